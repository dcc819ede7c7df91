"""The portal's content (网站内容): 信用动态, 政策法规, 典型案例, 通知公告 and 办事指南, edited with review."""
