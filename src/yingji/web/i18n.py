"""Every string the web UI shows, in Chinese and English: the common ones here, each
domain's in ``yingji.web.texts.<domain>``.

Templates call ``t(key)``; the JS files get :func:`catalogue_for` of the page's locale as
JSON, so a translator edits catalogues and nothing else.
"""

from __future__ import annotations

from yingji.web import texts

LOCALES: tuple[str, ...] = ("zh-CN", "en")
FALLBACK = "zh-CN"

CATALOGUE: dict[str, dict[str, str]] = {
    # --- application and navigation ------------------------------------------------------
    "app.name": {"zh-CN": "应急管理综合平台", "en": "Yingji Emergency Management"},
    "app.mark": {"zh-CN": "应", "en": "应"},
    "nav.map": {"zh-CN": "地图", "en": "Map"},
    "nav.regions": {"zh-CN": "行政区划", "en": "Regions"},
    "nav.persons": {"zh-CN": "人员", "en": "People"},
    "nav.assignments": {"zh-CN": "责任分配", "en": "Responsibilities"},
    "nav.enterprises": {"zh-CN": "企业", "en": "Enterprises"},
    "nav.duty": {"zh-CN": "值班", "en": "On duty"},
    "nav.data": {"zh-CN": "数据导入导出", "en": "Import & export"},
    "nav.logout": {"zh-CN": "退出", "en": "Sign out"},
    "nav.menu": {"zh-CN": "菜单", "en": "Menu"},
    "nav.lang_zh": {"zh-CN": "中文", "en": "中文"},
    "nav.lang_en": {"zh-CN": "English", "en": "English"},
    "nav.language": {"zh-CN": "语言", "en": "Language"},
    # --- user roles (accounts) -----------------------------------------------------------
    "user_role.system_admin": {"zh-CN": "系统管理员", "en": "System administrator"},
    "user_role.operator": {"zh-CN": "业务操作员", "en": "Operator"},
    "user_role.grid_member": {"zh-CN": "网格员", "en": "Grid member"},
    "user_role.enterprise_user": {"zh-CN": "企业用户", "en": "Enterprise user"},
    "user_role.viewer": {"zh-CN": "只读用户", "en": "Viewer"},
    # --- responsibility roles ------------------------------------------------------------
    "role.admin": {"zh-CN": "行政责任人", "en": "Administrative lead"},
    "role.technical": {"zh-CN": "技术责任人", "en": "Technical lead"},
    "role.monitoring": {"zh-CN": "监测责任人", "en": "Monitoring lead"},
    "role.grid_member": {"zh-CN": "网格员", "en": "Grid member"},
    "role.baobao": {"zh-CN": "包保责任人", "en": "Liaison official (baobao)"},
    "role.duty_leader": {"zh-CN": "带班领导", "en": "Duty leader"},
    "role.team_contact": {"zh-CN": "救援队伍联系人", "en": "Rescue team contact"},
    # --- region levels and target kinds --------------------------------------------------
    "level.1": {"zh-CN": "省级", "en": "Province"},
    "level.2": {"zh-CN": "市级", "en": "Prefecture"},
    "level.3": {"zh-CN": "区县", "en": "County"},
    "level.4": {"zh-CN": "乡镇街道", "en": "Township"},
    "level.5": {"zh-CN": "村社区", "en": "Village"},
    "level.6": {"zh-CN": "网格", "en": "Grid"},
    "target.region": {"zh-CN": "区划", "en": "Region"},
    "target.organisation": {"zh-CN": "单位", "en": "Organisation"},
    # --- shared --------------------------------------------------------------------------
    "common.search": {"zh-CN": "搜索", "en": "Search"},
    "common.reset": {"zh-CN": "重置", "en": "Reset"},
    "common.prev": {"zh-CN": "上一页", "en": "Previous"},
    "common.next": {"zh-CN": "下一页", "en": "Next"},
    "common.page_info": {
        "zh-CN": "第 {first}–{last} 条，共 {total} 条",
        "en": "{first}–{last} of {total}",
    },
    "common.empty": {"zh-CN": "暂无数据", "en": "No records"},
    "common.loading": {"zh-CN": "加载中…", "en": "Loading…"},
    "common.error": {"zh-CN": "出错了", "en": "Something went wrong"},
    "common.name": {"zh-CN": "名称", "en": "Name"},
    "common.code": {"zh-CN": "编码", "en": "Code"},
    "common.level": {"zh-CN": "级别", "en": "Level"},
    "common.population": {"zh-CN": "人口", "en": "Population"},
    "common.area": {"zh-CN": "面积", "en": "Area"},
    "common.km2": {"zh-CN": "平方公里", "en": "km²"},
    "common.region": {"zh-CN": "区划", "en": "Region"},
    "common.region_code": {"zh-CN": "区划编码", "en": "Region code"},
    "common.unknown_region": {
        "zh-CN": "区划编码不存在或不在您的管辖范围内",
        "en": "Unknown region code, or outside your area",
    },
    "common.back": {"zh-CN": "返回", "en": "Back"},
    "common.dash": {"zh-CN": "—", "en": "—"},
    "common.call": {"zh-CN": "拨打", "en": "Call"},
    "common.yes": {"zh-CN": "是", "en": "Yes"},
    "common.active": {"zh-CN": "有效", "en": "Active"},
    "common.ended": {"zh-CN": "已结束", "en": "Ended"},
    "common.status": {"zh-CN": "状态", "en": "Status"},
    "common.close": {"zh-CN": "关闭", "en": "Close"},
    "common.list_sep": {"zh-CN": "、", "en": ", "},
    # --- sign-in -------------------------------------------------------------------------
    "login.title": {"zh-CN": "登录", "en": "Sign in"},
    "login.subtitle": {
        "zh-CN": "请使用本单位分配的账号登录",
        "en": "Sign in with the account your bureau issued",
    },
    "login.username": {"zh-CN": "用户名", "en": "Username"},
    "login.password": {"zh-CN": "密码", "en": "Password"},
    "login.submit": {"zh-CN": "登录", "en": "Sign in"},
    "login.wrong": {"zh-CN": "用户名或密码错误", "en": "Wrong username or password"},
    "login.throttled": {
        "zh-CN": "登录失败次数过多，请 {minutes} 分钟后再试",
        "en": "Too many failed sign-ins; try again in {minutes} minutes",
    },
    "login.csrf": {
        "zh-CN": "页面已过期，请重新登录",
        "en": "This form has expired; please sign in again",
    },
    "login.missing": {
        "zh-CN": "请输入用户名和密码",
        "en": "Enter your username and password",
    },
    # --- error pages ---------------------------------------------------------------------
    "error.not_found": {"zh-CN": "记录不存在或无权查看", "en": "Not found, or not yours to see"},
    "error.csrf": {
        "zh-CN": "页面已过期，请刷新后重试",
        "en": "This page has expired; reload it and try again",
    },
    "error.bad_locale": {"zh-CN": "不支持该语言", "en": "Unsupported language"},
    "error.bad_date": {"zh-CN": "日期格式应为 YYYY-MM-DD", "en": "Dates look like YYYY-MM-DD"},
    # --- map -----------------------------------------------------------------------------
    "map.title": {"zh-CN": "一张图", "en": "Map"},
    "map.drill": {"zh-CN": "下钻", "en": "Drill down"},
    "map.no_children": {
        "zh-CN": "该区划下没有可显示的边界",
        "en": "No boundaries to show below this region",
    },
    "map.select_hint": {
        "zh-CN": "点击地图上的区域查看详情",
        "en": "Click a region on the map for details",
    },
    "map.persons": {"zh-CN": "辖区人员", "en": "People here"},
    "map.assignments": {"zh-CN": "责任分配", "en": "Responsibilities"},
    "map.tree": {"zh-CN": "区划树", "en": "Region tree"},
    "map.count": {"zh-CN": "{n} 个下级区划", "en": "{n} subregions"},
    "map.legend": {"zh-CN": "人口", "en": "Population"},
    "map.load_failed": {"zh-CN": "边界加载失败", "en": "Could not load boundaries"},
    "map.breadcrumb": {"zh-CN": "当前位置", "en": "You are here"},
    "map.lowest": {"zh-CN": "已是最低一级", "en": "This is the lowest level"},
    "map.layer.risk_points": {"zh-CN": "风险点", "en": "Risk points"},
    "map.layer.enterprises": {"zh-CN": "企业", "en": "Enterprises"},
    "map.layer.levels": {"zh-CN": "风险等级", "en": "Risk level"},
    "map.layer.failed": {"zh-CN": "图层加载失败", "en": "Could not load a layer"},
    "map.risk.category": {"zh-CN": "类别", "en": "Category"},
    "map.risk.level": {"zh-CN": "风险等级", "en": "Risk level"},
    "map.risk.threatened": {"zh-CN": "威胁人数", "en": "People at risk"},
    "risk_level.major": {"zh-CN": "重大", "en": "Major"},
    "risk_level.large": {"zh-CN": "较大", "en": "Large"},
    "risk_level.general": {"zh-CN": "一般", "en": "General"},
    "risk_level.low": {"zh-CN": "低", "en": "Low"},
    # --- region tree ---------------------------------------------------------------------
    "regions.title": {"zh-CN": "行政区划", "en": "Administrative regions"},
    "regions.search_placeholder": {
        "zh-CN": "按名称或编码搜索",
        "en": "Search by name or code",
    },
    "regions.expand": {"zh-CN": "展开", "en": "Expand"},
    "regions.collapse": {"zh-CN": "收起", "en": "Collapse"},
    "regions.results": {"zh-CN": "搜索结果", "en": "Search results"},
    "regions.no_results": {"zh-CN": "没有匹配的区划", "en": "No matching regions"},
    "regions.more": {
        "zh-CN": "仅显示前 {shown} 条，共 {total} 条，请缩小搜索范围",
        "en": "Showing {shown} of {total}; narrow the search",
    },
    "regions.on_map": {"zh-CN": "地图", "en": "Map"},
    "regions.persons": {"zh-CN": "人员", "en": "People"},
    "regions.tree": {"zh-CN": "区划树", "en": "Region tree"},
    # --- persons -------------------------------------------------------------------------
    "enterprises.title": {"zh-CN": "生产经营单位", "en": "Enterprises"},
    "enterprises.q_placeholder": {"zh-CN": "名称或统一社会信用代码", "en": "Name or credit code"},
    "enterprises.industry_placeholder": {
        "zh-CN": "行业代码（如 26）",
        "en": "Industry code (e.g. 26)",
    },
    "enterprises.name": {"zh-CN": "名称", "en": "Name"},
    "enterprises.credit_code": {"zh-CN": "统一社会信用代码", "en": "Credit code"},
    "enterprises.industry": {"zh-CN": "行业", "en": "Industry"},
    "enterprises.risk_grade": {"zh-CN": "风险等级", "en": "Risk grade"},
    "enterprises.supervisor": {"zh-CN": "监管部门", "en": "Supervising department"},
    "enterprises.principal": {"zh-CN": "主要负责人", "en": "Principal"},
    "enterprises.safety_manager": {"zh-CN": "安全管理负责人", "en": "Safety manager"},
    "enterprises.region": {"zh-CN": "所在区划", "en": "Region"},
    "grade.major": {"zh-CN": "重大风险", "en": "Major"},
    "grade.large": {"zh-CN": "较大风险", "en": "Large"},
    "grade.general": {"zh-CN": "一般风险", "en": "General"},
    "grade.low": {"zh-CN": "低风险", "en": "Low"},
    "persons.title": {"zh-CN": "人员", "en": "People"},
    "persons.q_placeholder": {"zh-CN": "姓名或手机号", "en": "Name or mobile"},
    "persons.under_placeholder": {
        "zh-CN": "区划编码，如 500101",
        "en": "Region code, e.g. 500101",
    },
    "persons.name": {"zh-CN": "姓名", "en": "Name"},
    "persons.mobile": {"zh-CN": "手机", "en": "Mobile"},
    "persons.mobile_alt": {"zh-CN": "备用电话", "en": "Other phone"},
    "persons.job_title": {"zh-CN": "职务", "en": "Title"},
    "persons.organisation": {"zh-CN": "单位", "en": "Organisation"},
    "persons.region": {"zh-CN": "所属区划", "en": "Region"},
    "persons.contacts": {"zh-CN": "其他联系方式", "en": "Other contacts"},
    # --- one person ----------------------------------------------------------------------
    "person.assignments": {"zh-CN": "责任分配", "en": "Responsibilities"},
    "person.escalation": {"zh-CN": "逐级上报链", "en": "Escalation chain"},
    "person.escalation_hint": {
        "zh-CN": "本人未响应时，按以下顺序逐级联系",
        "en": "Called in this order, level by level, when this person does not respond",
    },
    "person.no_assignments": {"zh-CN": "暂无责任分配", "en": "No responsibilities"},
    "person.no_chain": {"zh-CN": "没有上级责任人", "en": "Nobody above"},
    "person.no_one": {"zh-CN": "未指定", "en": "Nobody assigned"},
    "person.all_people": {"zh-CN": "全部人员", "en": "All people"},
    # --- assignments ---------------------------------------------------------------------
    "assignments.title": {"zh-CN": "责任分配", "en": "Responsibilities"},
    "assignments.role": {"zh-CN": "角色", "en": "Role"},
    "assignments.all_roles": {"zh-CN": "全部角色", "en": "All roles"},
    "assignments.on": {"zh-CN": "有效日期", "en": "Valid on"},
    "assignments.person": {"zh-CN": "人员", "en": "Person"},
    "assignments.target": {"zh-CN": "责任对象", "en": "Responsible for"},
    "assignments.valid_from": {"zh-CN": "开始", "en": "From"},
    "assignments.valid_to": {"zh-CN": "结束", "en": "To"},
    "assignments.note": {"zh-CN": "备注", "en": "Note"},
    "assignments.open_ended": {"zh-CN": "长期", "en": "Open-ended"},
    # --- duty ----------------------------------------------------------------------------
    "duty.title": {"zh-CN": "当前值班", "en": "On duty now"},
    "duty.as_of": {"zh-CN": "截至 {time}", "en": "As of {time}"},
    "duty.organisation": {"zh-CN": "值班单位", "en": "Organisation"},
    "duty.officer": {"zh-CN": "值班员", "en": "Duty officer"},
    "duty.leader": {"zh-CN": "带班领导", "en": "Duty leader"},
    "duty.shift": {"zh-CN": "班次", "en": "Shift"},
    "duty.none": {"zh-CN": "当前没有排班", "en": "Nobody is rostered right now"},
    # --- import / export -----------------------------------------------------------------
    "data.title": {"zh-CN": "数据导入导出", "en": "Import & export"},
    "data.intro": {
        "zh-CN": "先下载模板填写，上传后系统会先校验；校验通过后再确认导入。",
        "en": "Fill in the template, upload it to check it, then confirm the import.",
    },
    "data.kind.regions": {"zh-CN": "行政区划", "en": "Regions"},
    "data.kind.organisations": {"zh-CN": "单位", "en": "Organisations"},
    "data.kind.persons": {"zh-CN": "人员", "en": "People"},
    "data.kind.assignments": {"zh-CN": "责任分配", "en": "Responsibilities"},
    "data.kind.risk_points": {"zh-CN": "风险点", "en": "Risk points"},
    "data.kind.materials": {"zh-CN": "物资目录", "en": "Material catalogue"},
    "data.kind.rescue_teams": {"zh-CN": "救援队伍", "en": "Rescue teams"},
    "data.kind.warehouses": {"zh-CN": "储备仓库", "en": "Warehouses"},
    "data.kind.equipment": {"zh-CN": "装备", "en": "Equipment"},
    "data.kind.stock": {"zh-CN": "库存批次", "en": "Stock batches"},
    "data.template": {"zh-CN": "模板", "en": "Template"},
    "data.export": {"zh-CN": "导出", "en": "Export"},
    "data.import": {"zh-CN": "导入", "en": "Import"},
    "data.file": {"zh-CN": "文件（xlsx 或 csv）", "en": "File (xlsx or csv)"},
    "data.check": {"zh-CN": "上传并校验", "en": "Upload and check"},
    "data.confirm": {"zh-CN": "确认导入", "en": "Import now"},
    "data.checking": {"zh-CN": "正在校验…", "en": "Checking…"},
    "data.importing": {"zh-CN": "正在导入…", "en": "Importing…"},
    "data.check_ok": {
        "zh-CN": "校验通过，可导入 {rows} 行",
        "en": "Check passed: {rows} rows ready to import",
    },
    "data.check_failed": {
        "zh-CN": "发现 {n} 处错误，请修改文件后重新上传",
        "en": "{n} problems found; fix the file and upload it again",
    },
    "data.done": {"zh-CN": "导入完成，共 {rows} 行", "en": "Imported {rows} rows"},
    "data.counts": {
        "zh-CN": "新增 {created}，更新 {updated}，未变 {unchanged}",
        "en": "{created} new, {updated} updated, {unchanged} unchanged",
    },
    "data.row": {"zh-CN": "行", "en": "Row"},
    "data.column": {"zh-CN": "列", "en": "Column"},
    "data.reason": {"zh-CN": "原因", "en": "Reason"},
    "data.no_file": {"zh-CN": "请先选择文件", "en": "Choose a file first"},
    "data.columns": {"zh-CN": "字段说明", "en": "Columns"},
    "data.required": {"zh-CN": "必填", "en": "required"},
    "data.either_header": {
        "zh-CN": "表头可用中文名或英文字段名",
        "en": "Headers may be the Chinese labels or these English names",
    },
    "data.ignored": {"zh-CN": "已忽略的列：{columns}", "en": "Columns ignored: {columns}"},
    "data.read_only": {
        "zh-CN": "当前账号只读，不能导入",
        "en": "This account is read-only and cannot import",
    },
}


_EXTRA = texts.collect()
if CATALOGUE.keys() & _EXTRA.keys():
    raise RuntimeError(f"UI text keys defined twice: {sorted(CATALOGUE.keys() & _EXTRA.keys())}")
CATALOGUE.update(_EXTRA)


def translate(locale: str, key: str, **values: object) -> str:
    """The text for ``key`` in ``locale``; an unknown key shows itself so it gets noticed."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry.get(locale) or entry[FALLBACK]
    return text.format(**values) if values else text


def catalogue_for(locale: str) -> dict[str, str]:
    """The whole catalogue flattened to one locale, for the JS files."""
    return {key: entry.get(locale) or entry[FALLBACK] for key, entry in CATALOGUE.items()}


def pick_locale(wanted: str | None, default: str) -> str:
    """``wanted`` if supported, else ``default`` if supported, else Chinese."""
    for candidate in (wanted, default):
        if candidate in LOCALES:
            return candidate
    return FALLBACK
