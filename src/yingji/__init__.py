"""Yingji (应急): integrated emergency-management platform."""

__version__ = "0.1.0"
