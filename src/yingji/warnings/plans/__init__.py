"""Response plans (响应方案): who a warning calls, with which measures and deadlines."""
