"""Users, sign-in, region scope and the hash-chained audit log."""
