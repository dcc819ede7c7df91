"""双随机、一公开 random inspections and graded supervision (分级分类监管), req §3.6–3.7."""
