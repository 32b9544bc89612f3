"""Warnings (预警): CAP 1.2 exchange first; publishing and call-response build on it."""

from yingji.warnings.cap import GEOCODE_REGION, CapAlert, CapArea, CapInfo, parse, to_xml

__all__ = ["GEOCODE_REGION", "CapAlert", "CapArea", "CapInfo", "parse", "to_xml"]
