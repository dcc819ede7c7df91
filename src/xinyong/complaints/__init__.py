"""投诉举报: complaints and reports from 12345, 12315, hotline systems and by hand; true ones become credit records."""
