"""Whistleblower reports (有奖举报): public filing, protected identity, verification, rewards."""
