"""A realistic CAP 1.2 message: 重庆市气象台 暴雨橙色预警 (orange rainstorm warning)."""

from __future__ import annotations

RAINSTORM = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>CQ-MET-20260712-0601-RS-ORANGE</identifier>
  <sender>cqmet@cma.gov.cn</sender>
  <sent>2026-07-12T06:00:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨</event>
    <responseType>Prepare</responseType>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <onset>2026-07-12T08:00:00+08:00</onset>
    <expires>2026-07-13T08:00:00+08:00</expires>
    <senderName>重庆市气象台</senderName>
    <headline>重庆市气象台发布暴雨橙色预警</headline>
    <description>预计12日08时至13日08时,万州、开州、云阳等地将出现大暴雨,累计雨量100~150毫米,局地可达250毫米以上,并伴有雷电和短时强降水。</description>
    <instruction>1.政府及相关部门按照职责做好防暴雨应急工作;2.切断有危险的室外电源,暂停户外作业;3.做好城市、农田的排涝,注意防范可能引发的山洪、滑坡、泥石流等灾害。</instruction>
    <parameter>
      <valueName>预警等级</valueName>
      <value>橙色</value>
    </parameter>
    <area>
      <areaDesc>万州区、开州区、云阳县</areaDesc>
      <polygon>30.95,108.20 31.30,108.20 31.30,108.95 30.95,108.95 30.95,108.20</polygon>
      <circle>30.8077,108.4086 25.5</circle>
      <geocode>
        <valueName>GB/T 2260</valueName>
        <value>500101</value>
      </geocode>
      <geocode>
        <valueName>GB/T 2260</valueName>
        <value>500154</value>
      </geocode>
    </area>
  </info>
</alert>
"""


def rainstorm(changes: dict[str, str]) -> bytes:
    """The sample with literal ``old -> new`` substitutions; each ``old`` must occur."""
    text = RAINSTORM
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text.encode()
