"""Enterprises and places (生产经营单位/场所): credit codes, industries, supervision."""
