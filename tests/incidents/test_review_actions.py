"""Reviews and corrective actions in the service: findings saved with the measures frozen,
actions added, closed with a note and listed across the incidents in scope with overdue
ones flagged by date; the timeline records each step; readers and outsiders are refused."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from review_helpers import actor, event, incident, minutes, report, story
from sqlalchemy.orm import Session

from yingji import clock
from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yingji.incidents import review, timeline
from yingji.incidents.sitrep_docx import render_docx
from yingji.incidents.sitrep_pdf import render_pdf


def test_saving_freezes_the_measures_until_saved_again(session: Session) -> None:
    inc = incident(session)
    report(session, inc, "first", 45)
    wz = actor(session, "wz_operator")
    saved = review.save(session, wz, inc.id, "  首报及时。\n", now=minutes(100))
    assert saved.findings == "首报及时。" and saved.created_by == "wz_operator"
    assert saved.metrics["response"]["at"] is None
    event(session, inc, "level", 120, "启动Ⅳ级应急响应", level=4)
    current = review.view(session, wz, inc.id, now=minutes(130))
    assert current.metrics["response"]["at"] is None  # frozen
    assert current.live["response"]["from_occurred"] == 120.0
    again = review.save(session, wz, inc.id, "首报及时，响应偏慢。", now=minutes(140))
    assert again.id == saved.id
    assert again.metrics["response"]["from_occurred"] == 120.0
    kinds = [e.text for e in timeline.events(session, inc.id, kinds=["review"])]
    assert kinds == ["形成复盘评估", "更新复盘评估"]


def test_view_before_any_review(session: Session) -> None:
    inc = story(session)
    current = review.view(session, actor(session, "viewer"), inc.id, now=minutes(200))
    assert current.review is None and current.actions == []
    assert current.metrics is current.live
    out = current.as_dict(dt.date(2025, 7, 3))
    assert out["review"] is None and out["live_metrics"]["first_report"]["from_occurred"] == 40


def test_readers_and_outsiders_cannot_write(session: Session) -> None:
    inc = story(session)
    with pytest.raises(PermissionDenied):
        review.save(session, actor(session, "viewer"), inc.id, "x")
    with pytest.raises(NotFound):
        review.save(session, actor(session, "twp2_operator"), inc.id, "x")
    with pytest.raises(PermissionDenied):
        review.add_action(session, actor(session, "viewer"), inc.id, title="a", owner="b")


def test_findings_have_a_limit(session: Session) -> None:
    inc = incident(session)
    with pytest.raises(ValidationFailed) as caught:
        review.save(session, actor(session, "wz_operator"), inc.id, "长" * 20_001)
    assert caught.value.details[0]["field"] == "findings"


def test_actions_added_closed_and_listed(session: Session) -> None:
    inc = story(session)
    wz = actor(session, "wz_operator")
    today = clock.today()
    late = review.add_action(
        session,
        wz,
        inc.id,
        title="完善值班接报流程",
        owner="万州区应急管理局",
        due_on=today - dt.timedelta(days=1),
    )
    due_today = review.add_action(
        session, wz, inc.id, title="补充应急监测设备", owner="区规划自然资源局", due_on=today
    )
    undated = review.add_action(session, wz, inc.id, title="开展培训", owner="中和街道")
    assert review.find(session, inc.id) is not None  # started by the first action

    _, rows = review.list_actions(session, wz, open_only=True, today=today)
    mine = [r for r in rows if r.incident.id == inc.id]
    assert [r.action.id for r in mine] == [late.id, due_today.id, undated.id]
    assert [r.overdue for r in mine] == [True, False, False]
    _, overdue = review.list_actions(session, wz, overdue_only=True, today=today)
    assert late.id in [r.action.id for r in overdue]
    assert due_today.id not in [r.action.id for r in overdue]

    closed, owner_incident = review.close_action(session, wz, late.id, "已修订接报流程")
    assert owner_incident.id == inc.id
    assert closed.status == "closed" and closed.closed_note == "已修订接报流程"
    assert closed.closed_at is not None
    assert not review.is_overdue(closed, today)
    with pytest.raises(Conflict):
        review.close_action(session, wz, late.id, "再次关闭")
    _, still_open = review.list_actions(session, wz, open_only=True, today=today)
    assert late.id not in [r.action.id for r in still_open]
    _, done = review.list_actions(session, wz, open_only=False, today=today)
    assert [r.action.id for r in done if r.incident.id == inc.id] == [late.id]

    texts = [e.text for e in timeline.events(session, inc.id, kinds=["review"])]
    assert texts[0].startswith("提出整改措施：完善值班接报流程（万州区应急管理局，时限")
    assert texts[-1] == "整改措施完成：完善值班接报流程（已修订接报流程）"


def test_action_fields_are_checked(session: Session) -> None:
    inc = incident(session)
    wz = actor(session, "wz_operator")
    with pytest.raises(ValidationFailed) as caught:
        review.add_action(session, wz, inc.id, title=" ", owner="")
    assert {d["field"] for d in caught.value.details} == {"title", "owner"}
    action = review.add_action(session, wz, inc.id, title="整改", owner="某局")
    with pytest.raises(ValidationFailed) as caught:
        review.close_action(session, wz, action.id, "  ")
    assert caught.value.details[0]["field"] == "note"


def test_actions_stay_in_scope(session: Session) -> None:
    here = story(session)
    there = incident(session, region="500102", title="涪陵区洪涝")
    cq = actor(session, "cq_operator")
    mine = review.add_action(session, cq, here.id, title="甲", owner="万州")
    theirs = review.add_action(session, cq, there.id, title="乙", owner="涪陵")
    wz = actor(session, "wz_operator")
    _, rows = review.list_actions(session, wz, today=clock.today())
    ids = [r.action.id for r in rows]
    assert mine.id in ids and theirs.id not in ids
    with pytest.raises(NotFound):
        review.close_action(session, wz, theirs.id, "完成")
    with pytest.raises(NotFound):
        review.get_action(session, wz, 987_654)
    _, all_rows = review.list_actions(session, cq, today=clock.today())
    assert {mine.id, theirs.id} <= {r.action.id for r in all_rows}


def test_review_document(session: Session) -> None:
    inc = story(session)
    wz = actor(session, "wz_operator")
    review.save(session, wz, inc.id, "首报用时偏长。\n\n物资到达及时。", now=minutes(300))
    review.add_action(
        session,
        wz,
        inc.id,
        title="完善接报流程",
        owner="万州区应急管理局",
        due_on=dt.date(2025, 8, 1),
    )
    doc = review.view(session, wz, inc.id, now=minutes(400)).document(minutes(400))
    assert doc.title == "突发事件复盘评估报告"
    lapses, outcomes = doc.sections[1].blocks[:2]
    assert lapses.rows[0] == ("首报", "7月3日 14:40", "40", "30")
    assert lapses.rows[2] == ("首支力量到达", "7月3日 15:15", "75", "65")
    assert outcomes.rows[0] == ("任务按时完成率", "1/3（33.3%）")
    assert outcomes.rows[1] == ("预警叫应确认率", "8/10（80.0%）")
    assert "评估保存时" in doc.sections[1].blocks[2]
    assert doc.sections[2].blocks == ["首报用时偏长。", "物资到达及时。"]
    actions = doc.sections[3].blocks[0]
    assert actions.rows == [("1", "完善接报流程", "万州区应急管理局", "2025-08-01", "整改中")]
    assert render_pdf(doc).startswith(b"%PDF")
    word = docx.Document(io.BytesIO(render_docx(doc)))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "三、评估发现" in text and "物资到达及时。" in text
    assert word.tables[2].rows[1].cells[1].text == "完善接报流程"
