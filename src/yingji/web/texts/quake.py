"""Texts of the earthquake assessment pages (地震速判): the form, the list and one result."""

TEXTS: dict[str, dict[str, str]] = {
    "nav.quake": {"zh-CN": "地震速判", "en": "Earthquakes"},
    # list and form
    "quake.title": {"zh-CN": "地震速判", "en": "Earthquake assessment"},
    "quake.intro": {
        "zh-CN": "输入震中、震级和震源深度，数秒内估算烈度分布、人员伤亡、经济损失和响应级别；"
        "结果为模型估算，以现场核实为准。",
        "en": "Enter the epicentre, magnitude and depth to estimate within seconds the "
        "intensity field, casualties, economic loss and response level; a model estimate, "
        "to be checked on the ground.",
    },
    "quake.new": {"zh-CN": "新建评估", "en": "New assessment"},
    "quake.lat": {"zh-CN": "震中纬度（°N）", "en": "Epicentre latitude (°N)"},
    "quake.lon": {"zh-CN": "震中经度（°E）", "en": "Epicentre longitude (°E)"},
    "quake.pick": {
        "zh-CN": "在地图上点击选取震中",
        "en": "Click the map to pick the epicentre",
    },
    "quake.magnitude": {"zh-CN": "震级", "en": "Magnitude"},
    "quake.magnitude_type": {"zh-CN": "震级类型", "en": "Magnitude type"},
    "quake.mtype.M": {"zh-CN": "M（台网震级）", "en": "M (CENC)"},
    "quake.mtype.Mw": {"zh-CN": "Mw（矩震级）", "en": "Mw (moment magnitude)"},
    "quake.depth": {"zh-CN": "震源深度（千米）", "en": "Depth (km)"},
    "quake.strike": {"zh-CN": "长轴走向（度，可选）", "en": "Strike (degrees, optional)"},
    "quake.strike_hint": {
        "zh-CN": "自北顺时针；留空则取所在区域主要断裂的走向",
        "en": "Clockwise from north; empty takes the main regional fault's strike",
    },
    "quake.rupture": {
        "zh-CN": "破裂长度（千米，可选）",
        "en": "Rupture length (km, optional)",
    },
    "quake.name": {"zh-CN": "名称（可选）", "en": "Name (optional)"},
    "quake.name_placeholder": {"zh-CN": "如：万州区 5.6 级地震", "en": "e.g. Wanzhou M5.6"},
    "quake.model": {"zh-CN": "烈度衰减模型", "en": "Attenuation model"},
    "quake.model.gb18306": {"zh-CN": "GB 18306-2015 分区", "en": "GB 18306-2015 zones"},
    "quake.model.wang2000": {"zh-CN": "汪素云等（2000）", "en": "Wang Suyun et al. (2000)"},
    "quake.required": {"zh-CN": "必填", "en": "Required"},
    "quake.not_number": {"zh-CN": "请输入数字", "en": "Enter a number"},
    "quake.submit": {"zh-CN": "开始评估", "en": "Assess"},
    "quake.running": {"zh-CN": "正在评估…", "en": "Assessing…"},
    "quake.past": {"zh-CN": "历史评估", "en": "Past assessments"},
    "quake.none": {"zh-CN": "暂无地震评估", "en": "No assessments yet"},
    "quake.read_only": {
        "zh-CN": "当前账号只读，不能新建评估",
        "en": "This account is read-only and cannot run assessments",
    },
    # columns and facts
    "quake.when": {"zh-CN": "发震时刻", "en": "Origin time"},
    "quake.place": {"zh-CN": "地点", "en": "Place"},
    "quake.max_intensity": {"zh-CN": "最高烈度", "en": "Max intensity"},
    "quake.deaths": {"zh-CN": "估计死亡（中值）", "en": "Deaths (median)"},
    "quake.alert": {"zh-CN": "PAGER 警报", "en": "PAGER alert"},
    "quake.response": {"zh-CN": "响应级别", "en": "Response level"},
    "quake.source": {"zh-CN": "来源", "en": "Source"},
    "quake.source.manual": {"zh-CN": "人工", "en": "Manual"},
    "quake.source.feed": {"zh-CN": "台网速报", "en": "Feed"},
    "quake.open": {"zh-CN": "查看", "en": "Open"},
    "quake.time_unknown": {"zh-CN": "未知（评估于 {at}）", "en": "Unknown (assessed {at})"},
    "quake.level": {"zh-CN": "{level}级", "en": "Level {level}"},
    "quake.alert.green": {"zh-CN": "绿色", "en": "Green"},
    "quake.alert.yellow": {"zh-CN": "黄色", "en": "Yellow"},
    "quake.alert.orange": {"zh-CN": "橙色", "en": "Orange"},
    "quake.alert.red": {"zh-CN": "红色", "en": "Red"},
    # one assessment
    "quake.all": {"zh-CN": "全部评估", "en": "All assessments"},
    "quake.estimate_note": {
        "zh-CN": "模型速判结果，仅供应急决策参考，以现场调查为准。",
        "en": "A rapid model estimate to support decisions; field surveys prevail.",
    },
    "quake.epicentre": {"zh-CN": "震中", "en": "Epicentre"},
    "quake.depth_short": {"zh-CN": "深度", "en": "Depth"},
    "quake.km_value": {"zh-CN": "{value} 千米", "en": "{value} km"},
    "quake.deaths_range": {"zh-CN": "估计死亡人数", "en": "Estimated deaths"},
    "quake.range_hint": {
        "zh-CN": "低值 – 中值 – 高值",
        "en": "low – median – high",
    },
    "quake.loss": {"zh-CN": "经济损失（模型估计）", "en": "Economic loss (model estimate)"},
    "quake.yi": {"zh-CN": "{value} 亿元", "en": "{value} × 100 million yuan"},
    "quake.alerts_detail": {
        "zh-CN": "死亡 {fatality} · 经济 {economic}",
        "en": "fatalities {fatality} · economic {economic}",
    },
    "quake.response_none": {
        "zh-CN": "未达到国家响应启动条件",
        "en": "Below the national plan's lowest grade",
    },
    "quake.grade.1": {"zh-CN": "特别重大地震灾害", "en": "Extraordinarily serious disaster"},
    "quake.grade.2": {"zh-CN": "重大地震灾害", "en": "Serious disaster"},
    "quake.grade.3": {"zh-CN": "较大地震灾害", "en": "Relatively serious disaster"},
    "quake.grade.4": {"zh-CN": "一般地震灾害", "en": "Ordinary disaster"},
    "quake.reason": {"zh-CN": "依据", "en": "Basis"},
    "quake.model_used": {"zh-CN": "模型", "en": "Model"},
    "quake.elapsed": {"zh-CN": "计算用时 {s} 秒", "en": "computed in {s} s"},
    "quake.map": {"zh-CN": "烈度分布图", "en": "Intensity map"},
    "quake.map_hint": {
        "zh-CN": "点击地图上的区县或下表中的区县名称查看受影响情况",
        "en": "Click a county on the map, or its name in the table below, for its figures",
    },
    "quake.legend": {"zh-CN": "烈度", "en": "Intensity"},
    "quake.map_failed": {"zh-CN": "地图数据加载失败", "en": "Could not load the map data"},
    "quake.zones": {"zh-CN": "各烈度区", "en": "Intensity zones"},
    "quake.intensity": {"zh-CN": "烈度", "en": "Intensity"},
    "quake.area": {
        "zh-CN": "面积（平方千米，该度及以上累计）",
        "en": "Area (km², this intensity and above)",
    },
    "quake.axes": {"zh-CN": "长轴 × 短轴（千米）", "en": "Long × short axis (km)"},
    "quake.exposed": {"zh-CN": "该烈度暴露人口", "en": "People at this intensity"},
    "quake.total_vi": {"zh-CN": "Ⅵ度及以上合计", "en": "Total at Ⅵ and above"},
    "quake.counties": {"zh-CN": "受影响区县（Ⅵ度及以上）", "en": "Counties shaken to Ⅵ or more"},
    "quake.county": {"zh-CN": "区县", "en": "County"},
    "quake.parent": {"zh-CN": "所属地市", "en": "Prefecture"},
    "quake.province": {"zh-CN": "省份", "en": "Province"},
    "quake.population_vi": {"zh-CN": "Ⅵ度及以上人口", "en": "People at Ⅵ+"},
    "quake.county_deaths": {"zh-CN": "估计死亡", "en": "Est. deaths"},
    "quake.priorities": {
        "zh-CN": "抢修优先区域（Ⅶ度及以上）",
        "en": "Repair priorities (Ⅶ and above)",
    },
    "quake.priorities_hint": {
        "zh-CN": "已导入乡镇的列到乡镇，其余列到区县；按最高烈度、再按Ⅵ度及以上人口排序，"
        "先在这些地方抢通道路、恢复电力和通信。",
        "en": "Townships where they are loaded, else counties; ordered by highest intensity, "
        "then people at Ⅵ+. Reopen roads and restore power and communications here first.",
    },
    "quake.priority_place": {"zh-CN": "乡镇或区县", "en": "Township or county"},
    "quake.within": {"zh-CN": "所属", "en": "Within"},
    "quake.focus": {"zh-CN": "抢修重点", "en": "Focus"},
    "quake.focus.7": {
        "zh-CN": "道路、电力、通信巡查排险",
        "en": "Inspect roads, power and telecoms; clear hazards",
    },
    "quake.focus.8": {
        "zh-CN": "道路、电力、通信重点抢修",
        "en": "Repair roads, power and telecoms",
    },
    "quake.focus.9": {
        "zh-CN": "抢通道路，全面抢修电力、通信",
        "en": "Force roads open; rebuild power and telecoms",
    },
    "quake.rank": {"zh-CN": "序号", "en": "#"},
    "quake.no_priorities": {
        "zh-CN": "没有达到Ⅶ度的乡镇或区县",
        "en": "No place reaches Ⅶ",
    },
    "quake.no_counties": {"zh-CN": "没有达到Ⅵ度的区县", "en": "No county reaches Ⅵ"},
    "quake.no_zones": {"zh-CN": "烈度未达到Ⅵ度", "en": "Shaking stays below Ⅵ"},
    "quake.downloads": {"zh-CN": "下载", "en": "Downloads"},
    "quake.report_pdf": {"zh-CN": "评估报告（PDF）", "en": "Report (PDF)"},
    "quake.report_html": {"zh-CN": "评估报告（网页）", "en": "Report (HTML)"},
    "quake.map_png": {"zh-CN": "烈度图（PNG）", "en": "Map (PNG)"},
    "quake.geojson": {"zh-CN": "等震线（GeoJSON）", "en": "Isoseismals (GeoJSON)"},
    "quake.counties_geojson": {"zh-CN": "受影响区县（GeoJSON）", "en": "Counties (GeoJSON)"},
    "quake.call": {
        "zh-CN": "叫应 Ⅶ度以上乡镇责任人",
        "en": "Call the Ⅶ+ townships",
    },
    "quake.call_hint": {
        "zh-CN": "向本辖区内位于Ⅶ度及以上区域的乡镇（无乡镇数据时为区县）责任人发送处置指令，"
        "并在叫应看板跟踪确认情况。",
        "en": "Sends instructions to the responsible persons of the townships in your area "
        "at Ⅶ and above (counties where no townships are loaded) and tracks their "
        "confirmations on the live board.",
    },
    "quake.call_confirm": {
        "zh-CN": "确定向Ⅶ度及以上区域的乡镇责任人发送叫应指令？",
        "en": "Send call-response instructions to the townships at Ⅶ and above now?",
    },
    "quake.calling": {"zh-CN": "正在发送…", "en": "Sending…"},
}
