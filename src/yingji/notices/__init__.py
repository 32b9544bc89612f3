"""Notices (提示单、督促函、通报、重大隐患报告) and each recipient's in-app inbox."""
