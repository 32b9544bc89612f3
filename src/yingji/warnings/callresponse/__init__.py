"""Call-response (叫应): confirmations, redials, escalation up the assignment chain, report-back."""
