"""Point-based transfer rounds and leader selection through the API, the pages and the
demo command: ranking direction, assignment, evidence, objections, reproducibility,
scope and documents.

The pool (reference day 30/09/2026, default §5.3 set):
  301 Bình  m  16 y service  5 km              → 5 + 0 + 0          = 5
  302 Hoa   f   4 y service 15 km              → 4 + 1 (distance)   = 5
  303 Nam   m   6 y service 30 km, 2 y hardship → 5 + 1 + 2          = 8
  304 Lan   f  26 y service 45 km              → 5 + 3              = 8
  305 Sơn   m  10 y service  5 km, volunteer   → 5                  = 5
  306 Mai   f  born 03/1970: retires 07/2027, under 18 months → excluded (Decree 59/2019 art. 39)
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Attempt, Exam
from hr_system.models import AuditLog, Employee, OrgUnit, Role
from transfers import actions, reports
from transfers.models import Computation, CriteriaSet, Evidence, Objection, PanelScore, TransferRound

API = "/api/v1/assessments/transfers"
REF = dt.date(2026, 9, 30)


class Pool:
    pass


@pytest.fixture
def pool(cast):
    p = Pool()
    p.cast = cast
    User = get_user_model()
    p.school_a2 = OrgUnit.add(
        code="P-MC-TH2", name="Trường Tiểu học Mộc Châu 2", kind=OrgUnit.Kind.PUBLIC_SERVICE_UNIT, parent=cast.commune_a
    )
    p.school_a3 = OrgUnit.add(
        code="P-MC-TH3", name="Trường Tiểu học Mộc Châu 3", kind=OrgUnit.Kind.PUBLIC_SERVICE_UNIT, parent=cast.commune_a
    )

    def teacher(code, name, gender, born, sector, km, hardship=0, username=None):
        user = User.objects.create_user(username=username, password="x") if username else None
        return Employee.objects.create(
            code=code,
            full_name=name,
            unit=cast.school_a,
            category=Employee.Category.PUBLIC_EMPLOYEE,
            job_title="Giáo viên tiểu học",
            gender=gender,
            date_of_birth=dt.date.fromisoformat(born),
            sector_start=dt.date.fromisoformat(sector),
            unit_start=dt.date.fromisoformat(sector),
            distance_km=Decimal(km),
            hardship_years=Decimal(hardship),
            user=user,
        )

    M, F = Employee.Gender.MALE, Employee.Gender.FEMALE
    p.binh = teacher("301", "Nguyễn Văn Bình", M, "1985-01-01", "2010-09-01", 5)
    p.hoa = teacher("302", "Lò Thị Hoa", F, "1990-05-05", "2022-09-01", 15, username="hoa")
    p.nam = teacher("303", "Cầm Văn Nam", M, "1988-03-03", "2020-09-01", 30, hardship=2)
    p.lan = teacher("304", "Hà Thị Lan", F, "1975-07-07", "2000-09-01", 45)
    p.son = teacher("305", "Quàng Văn Sơn", M, "1992-02-02", "2016-09-01", 5, username="son")
    p.mai = teacher("306", "Tòng Thị Mai", F, "1970-03-01", "1995-09-01", 8)
    p.codes = ["301", "302", "303", "304", "305", "306"]
    return p


def call(client, method: str, path: str, data=None):
    return getattr(client, method)(f"{API}{path}", data if data is not None else {}, content_type="application/json")


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.json()


def default_set_id(client) -> int:
    return ok(call(client, "post", "/criteria-sets/default"), 201)["id"]


def make_round(client, pool, *, purpose="surplus", posts=(("P-MC-TH2", 1), ("P-MC-TH3", 1)), **extra) -> dict:
    body = {
        "title": "Sắp xếp giáo viên dôi dư năm học 2026–2027",
        "unit": "P-MC",
        "purpose": purpose,
        "kind": "transfer",
        "criteria_set": default_set_id(client),
        "source_units": ["P-MC-TH"],
        "reference_date": REF.isoformat(),
        **extra,
    }
    transfer_round = ok(call(client, "post", "/rounds", body), 201)
    rid = transfer_round["id"]
    ok(call(client, "post", f"/rounds/{rid}/candidates", {"employees": pool.codes}))
    transfer_round["posts"] = [
        ok(
            call(client, "post", f"/rounds/{rid}/posts", {"unit": unit, "title": "Giáo viên tiểu học", "count": n}), 201
        )["id"]
        for unit, n in posts
    ]
    return transfer_round


def evidence(client, rid: int, code: str, kind: str, value, ref="Hồ sơ số 01"):
    return call(
        client, "post", f"/rounds/{rid}/evidence", {"employee": code, "kind": kind, "value": value, "document_ref": ref}
    )


def compute(client, rid: int, **body) -> dict:
    ok(call(client, "post", f"/rounds/{rid}/compute", body))
    return ok(call(client, "get", f"/rounds/{rid}/results"))


def ranks(results: dict) -> list[str]:
    return [row["employee"] for row in results["ranked"]]


def publish(client, rid: int, opens: dt.datetime, closes: dt.datetime) -> dict:
    return ok(
        call(client, "post", f"/rounds/{rid}/publish", {"opens_at": opens.isoformat(), "closes_at": closes.isoformat()})
    )


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture
def hr(pool, login):
    return login(pool.cast.hr_a)


# --- criteria sets -------------------------------------------------------------------------


def test_the_default_set_is_created_once_and_labelled_as_a_template(hr):
    first = ok(call(hr, "post", "/criteria-sets/default"), 201)
    again = ok(call(hr, "post", "/criteria-sets/default"), 201)
    assert first["id"] == again["id"] and CriteriaSet.objects.count() == 1
    assert first["is_default_template"] is True
    assert first["template_note"] == "Bộ tiêu chí mẫu — cần điều chỉnh theo quy chế của tỉnh"
    assert [c["code"] for c in first["criteria"]] == [
        "service",
        "hardship",
        "ratings",
        "distance",
        "family",
        "priority",
    ]
    assert first["criteria"][0]["rule_text"] == "1 điểm cho mỗi năm, tối đa 5 điểm"
    assert first["tie_break_text"].startswith("thời gian công tác trong ngành dài hơn")
    assert first["eligibility"]["months_before_retirement"] == 18


def test_an_invalid_set_is_refused_with_errors_naming_the_criteria_and_a_valid_one_gets_versions(hr, pool):
    body = {
        "name": "Quy chế điều động giáo viên phường Mộc Châu",
        "unit": "P-MC",
        "valid_from": "2026-01-01",
        "criteria": [
            {"code": "a", "label": "A", "input": "criterion:b", "rule": "fixed", "params": {"points": 1}},
            {"code": "b", "label": "B", "input": "criterion:a", "rule": "fixed", "params": {"points": 1}},
            {
                "code": "c",
                "label": "C",
                "input": "years_in_sector",
                "rule": "per_unit",
                "params": {"rate": 1, "cap": -5},
            },
        ],
    }
    checked = ok(call(hr, "post", "/criteria-sets/validate", body))
    assert checked["valid"] is False
    assert any("«a»" in e and "«b»" in e and "vòng tròn" in e for e in checked["errors"])
    refused = call(hr, "post", "/criteria-sets", body)
    assert refused.status_code == 422
    assert any("«c»" in e and "cap" in e for e in refused.json()["error"]["fields"]["criteria"])
    assert not CriteriaSet.objects.exists()

    body["criteria"] = [
        {"code": "svc", "label": "Thâm niên", "input": "years_in_sector", "rule": "per_unit", "params": {"rate": 1}}
    ]
    body["tie_break"] = ["older"]
    v1 = ok(call(hr, "post", "/criteria-sets", body), 201)
    v2 = ok(call(hr, "post", "/criteria-sets", body), 201)
    assert (v1["version"], v2["version"], v2["unit"]) == (1, 2, "P-MC")
    assert AuditLog.objects.filter(action="criteria_set.create").count() == 2


def test_criteria_sets_are_scoped_a_provinces_set_applies_below_it(pool, login):
    body = {
        "valid_from": "2026-01-01",
        "criteria": [
            {"code": "svc", "label": "Thâm niên", "input": "years_in_sector", "rule": "per_unit", "params": {"rate": 1}}
        ],
    }
    province = ok(
        call(login(pool.cast.admin), "post", "/criteria-sets", {**body, "name": "Quy chế tỉnh", "unit": "SL"}), 201
    )
    commune = ok(
        call(login(pool.cast.hr_a), "post", "/criteria-sets", {**body, "name": "Quy chế phường", "unit": "P-MC"}), 201
    )
    hr_b = login(pool.cast.hr_b)
    assert [s["id"] for s in ok(call(hr_b, "get", "/criteria-sets"))["items"]] == [province["id"]]
    assert call(hr_b, "get", f"/criteria-sets/{commune['id']}").status_code == 404
    refused = call(hr_b, "post", "/criteria-sets", {**body, "name": "X", "unit": "P-MC"})
    assert refused.status_code == 422 and "unit" in refused.json()["error"]["fields"]


# --- computing, direction, tie-breaks, assignment ------------------------------------------


def test_surplus_moves_the_volunteer_first_then_the_lowest_points_with_the_tie_break_chain(hr, pool):
    transfer_round = make_round(hr, pool)
    rid, (p2, p3) = transfer_round["id"], transfer_round["posts"]
    ok(evidence(hr, rid, "305", "volunteer", True, "Đơn tự nguyện ngày 01/09/2026"), 201)
    ok(call(hr, "put", f"/rounds/{rid}/candidates/305/preferences", {"posts": [p3, p2]}))
    ok(call(hr, "put", f"/rounds/{rid}/candidates/302/preferences", {"posts": [p3]}))
    results = compute(hr, rid)
    # Volunteer first; then 5-point Hoa (4 years) before 5-point Bình (16 years): longer
    # service is protected; then the 8-point pair, Nam (6 years) before Lan (26 years).
    assert ranks(results) == ["305", "302", "301", "303", "304"]
    rows = {r["employee"]: r for r in results["ranked"]}
    assert [Decimal(rows[c]["total"]) for c in ranks(results)] == [5, 5, 5, 8, 8]
    lines = {line["criterion"]: line for line in rows["303"]["breakdown"]}
    assert (lines["service"]["points"], lines["hardship"]["points"], lines["distance"]["points"]) == (5, 1, 2)
    assert lines["distance"]["value_text"] == "30 km"
    # Sơn gets his first choice; Hoa's only choice is full, and in a surplus she takes the post left.
    assert (rows["305"]["assigned_post"], rows["302"]["assigned_post"], rows["301"]["assigned_post"]) == (p3, p2, None)
    assert [r["employee"] for r in results["excluded"]] == ["306"]
    assert results["excluded"][0]["exclusions"][0]["rule"] == "Nghị định 59/2019/NĐ-CP, Điều 39"
    assert TransferRound.objects.get(pk=rid).status == "computed"
    assert Computation.objects.get(round_id=rid).summary["305"]["rank"] == 1


def test_closer_to_home_serves_the_highest_points_first(hr, pool):
    rid = make_round(hr, pool, purpose="closer_to_home")["id"]
    ok(evidence(hr, rid, "305", "volunteer", True), 201)
    # Lan 8 (26 y) → Nam 8 (6 y) → the 5-point trio by service: Bình 16 y, Sơn 10 y, Hoa 4 y.
    assert ranks(compute(hr, rid)) == ["304", "303", "301", "305", "302"]


def test_a_rating_breaks_what_service_leaves_tied(hr, pool):
    rid = make_round(hr, pool, purpose="closer_to_home")["id"]
    # Bình and Sơn: same service (10 years). Bình's "hoàn thành" rating scores 1 point,
    # Sơn's 12 km scores 1 point too: equal totals of 6 and equal service.
    Employee.objects.filter(code="301").update(sector_start=dt.date(2016, 9, 1), unit_start=dt.date(2016, 9, 1))
    Employee.objects.filter(code="305").update(distance_km=Decimal(12))
    ok(evidence(hr, rid, "301", "rating", {"year": 2025, "rating": "hoan_thanh"}), 201)
    results = compute(hr, rid)
    rows = {r["employee"]: r for r in results["ranked"]}
    assert Decimal(rows["301"]["total"]) == Decimal(rows["305"]["total"]) == 6
    # Equal total and service: the higher evaluation (Bình's rating vs none) comes first.
    assert ranks(results).index("301") < ranks(results).index("305")


def test_assignment_respects_counts_and_preferences(hr, pool):
    transfer_round = make_round(hr, pool, purpose="closer_to_home", posts=(("P-MC-TH2", 2), ("P-MC-TH3", 1)))
    rid, (p2, p3) = transfer_round["id"], transfer_round["posts"]
    for code, prefs in {"304": [p3, p2], "303": [p3, p2], "301": [p3], "305": [p2], "302": [p2]}.items():
        ok(call(hr, "put", f"/rounds/{rid}/candidates/{code}/preferences", {"posts": prefs}))
    rows = {r["employee"]: r for r in compute(hr, rid)["ranked"]}
    assert rows["304"]["assigned_post"] == p3  # first served, first choice
    assert rows["303"]["assigned_post"] == p2  # p3 is full → second choice
    assert rows["301"]["assigned_post"] is None  # only p3, which is full: stays (closer to home)
    assert rows["305"]["assigned_post"] == p2  # p2's second place
    assert rows["302"]["assigned_post"] is None  # p2 is full now
    transfer_round = ok(call(hr, "get", f"/rounds/{rid}"))
    assert not [w for w in transfer_round["warnings"] if w["code"] == "unfilled_posts"]


def test_more_posts_than_eligible_candidates_are_reported_not_filled(hr, pool):
    rid = make_round(hr, pool, posts=(("P-MC-TH2", 4), ("P-MC-TH3", 3)))["id"]
    ok(evidence(hr, rid, "301", "discipline", True, "Thông báo xem xét kỷ luật số 3"), 201)
    results = compute(hr, rid)
    assigned = [r["assigned_post"] for r in results["ranked"] if r["assigned_post"]]
    assert len(assigned) == 4  # the four eligible people, no more
    transfer_round = ok(call(hr, "get", f"/rounds/{rid}"))
    [warning] = [w for w in transfer_round["warnings"] if w["code"] == "unfilled_posts"]
    assert sum(p["unfilled"] for p in warning["posts"]) == 3
    assert "Trường Tiểu học Mộc Châu 3" in warning["message"] and "không tự bố trí" in warning["message"]


def test_exclusions_show_their_rule_and_a_teacher_gets_the_law_on_teachers(hr, pool):
    rid = make_round(hr, pool)["id"]
    ok(evidence(hr, rid, "301", "discipline", True), 201)
    ok(evidence(hr, rid, "302", "child", {"birth_date": "2025-06-01"}), 201)
    ok(evidence(hr, rid, "303", "study", 18), 201)
    excluded = {r["employee"]: r["exclusions"] for r in compute(hr, rid)["excluded"]}
    assert set(excluded) == {"301", "302", "303", "306"}
    assert excluded["301"][0]["rule"] == "Nghị định 59/2019/NĐ-CP, Điều 38; Luật Nhà giáo 2025 (73/2025/QH15), Điều 19"
    assert excluded["302"][0]["code"] == "child" and "01/06/2025" in excluded["302"][0]["reason"]
    assert excluded["303"][0]["code"] == "study" and "18 tháng" in excluded["303"][0]["reason"]


def test_evidence_for_someone_not_in_the_pool_is_refused(hr, pool):
    rid = make_round(hr, pool)["id"]
    response = evidence(hr, rid, "101", "volunteer", True)  # an office clerk, not a candidate
    assert response.status_code == 422
    assert "không có trong danh sách xem xét" in response.json()["error"]["fields"]["employee"][0]
    assert evidence(hr, rid, "301", "volunteer", True, ref="  ").status_code == 422  # no document reference
    assert evidence(hr, rid, "301", "rating", {"year": 2025, "rating": "gioi"}).status_code == 422
    assert not Evidence.objects.exists()
    row = ok(evidence(hr, rid, "301", "volunteer", True, ref="Đơn ngày 02/09/2026"), 201)
    assert (row["entered_by"], row["document_ref"], row["kind_label"]) == ("hr_a", "Đơn ngày 02/09/2026", "Tự nguyện")


def test_candidates_must_come_from_the_source_units(hr, pool):
    rid = make_round(hr, pool)["id"]
    refused = call(hr, "post", f"/rounds/{rid}/candidates", {"employees": ["101"]})
    assert refused.status_code == 422 and "101" in refused.json()["error"]["fields"]["employees"][0]


# --- reproducibility ------------------------------------------------------------------------


def test_rerunning_uses_the_stored_snapshot_until_an_explicit_recompute_from_the_registry(hr, pool):
    rid = make_round(hr, pool)["id"]
    before = compute(hr, rid)
    assert ranks(before) == ["302", "305", "301", "303", "304"]
    # The registry changes after the computation: Hoa's service now starts in 2000.
    Employee.objects.filter(code="302").update(sector_start=dt.date(2000, 9, 1))
    again = compute(hr, rid)
    assert ranks(again) == ranks(before)
    hoa = next(r for r in again["ranked"] if r["employee"] == "302")
    assert Decimal(hoa["total"]) == 5 and hoa["inputs"]["sector_start"] == "2022-09-01"
    refreshed = compute(hr, rid, from_registry=True)
    hoa = next(r for r in refreshed["ranked"] if r["employee"] == "302")
    assert Decimal(hoa["total"]) == 6 and hoa["inputs"]["years_in_sector"] == 26.0
    assert ranks(refreshed) == ["305", "301", "302", "303", "304"]
    reasons = list(Computation.objects.filter(round_id=rid).order_by("number").values_list("reason", flat=True))
    assert reasons == ["compute", "compute", "registry"]


# --- publication and objections -------------------------------------------------------------


def test_an_objection_after_the_window_closed_is_refused(hr, pool, login):
    rid = make_round(hr, pool)["id"]
    compute(hr, rid)
    now = timezone.now()
    publish(hr, rid, now - dt.timedelta(days=10), now - dt.timedelta(days=3))
    hoa = login(pool.hoa.user)
    response = call(hoa, "post", f"/rounds/{rid}/objections", {"text": "Tôi có kết quả xuất sắc năm 2025."})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "window_closed" and "Đã hết thời hạn nhận ý kiến phản hồi" in error["message"]
    assert not Objection.objects.exists()


def test_an_accepted_objection_adds_evidence_recomputes_and_audits_the_rank_change(hr, pool, login):
    rid = make_round(hr, pool)["id"]
    compute(hr, rid)
    now = timezone.now()
    publish(hr, rid, now - dt.timedelta(hours=1), now + dt.timedelta(days=5))
    hoa = login(pool.hoa.user)
    mine = ok(call(hoa, "get", f"/rounds/{rid}/me"))
    assert (mine["employee"], mine["rank"]) == ("302", 1)
    objection = ok(call(hoa, "post", f"/rounds/{rid}/objections", {"text": "Thiếu kết quả xuất sắc năm 2025."}), 201)
    second = call(hoa, "post", f"/rounds/{rid}/objections", {"text": "Nhắc lại."})
    assert second.status_code == 409 and second.json()["error"]["code"] == "objection_pending"

    hr = login(pool.cast.hr_a)
    body = {
        "accept": True,
        "reason": "Đã đối chiếu quyết định công nhận kết quả đánh giá.",
        "evidence": [
            {
                "kind": "rating",
                "value": {"year": 2025, "rating": "xuat_sac"},
                "document_ref": "QĐ 45/QĐ-UBND ngày 10/01/2026",
            }
        ],
    }
    done = ok(call(hr, "post", f"/rounds/{rid}/objections/{objection['id']}/resolve", body))
    # Hoa's 3 rating points take her to 8: after Sơn and Bình (5), before Nam and Lan
    # (8 each, longer service than her 4 years).
    assert (done["status"], done["rank_before"], done["rank_after"]) == ("accepted", 1, 3)
    assert ranks(ok(call(hr, "get", f"/rounds/{rid}/results"))) == ["305", "301", "302", "303", "304"]
    audit = AuditLog.objects.get(action="transfer_objection.accept")
    assert audit.detail["rank_before"] == 1 and audit.detail["rank_after"] == 3
    assert audit.detail["changed"] == {"305": [2, 1], "301": [3, 2], "302": [1, 3]}
    assert audit.user == pool.cast.hr_a
    assert Computation.objects.filter(round_id=rid, reason="objection").count() == 1
    assert Evidence.objects.get(kind="rating").entered_by == pool.cast.hr_a
    assert TransferRound.objects.get(pk=rid).status == "published"


def test_a_rejected_objection_needs_a_reason_and_changes_nothing(hr, pool, login):
    rid = make_round(hr, pool)["id"]
    compute(hr, rid)
    now = timezone.now()
    publish(hr, rid, now - dt.timedelta(hours=1), now + dt.timedelta(days=5))
    objection = ok(call(login(pool.son.user), "post", f"/rounds/{rid}/objections", {"text": "Xin xem lại."}), 201)
    hr = login(pool.cast.hr_a)
    path = f"/rounds/{rid}/objections/{objection['id']}/resolve"
    assert call(hr, "post", path, {"accept": False}).status_code == 422
    done = ok(call(hr, "post", path, {"accept": False, "reason": "Số liệu đã đúng theo hồ sơ."}))
    assert (done["status"], done["resolution"]) == ("rejected", "Số liệu đã đúng theo hồ sơ.")
    assert Computation.objects.filter(round_id=rid).count() == 1


def test_the_pool_is_locked_once_published_and_recomputing_needs_an_objection(hr, pool):
    rid = make_round(hr, pool)["id"]
    compute(hr, rid)
    now = timezone.now()
    publish(hr, rid, now, now + dt.timedelta(days=3))
    assert call(hr, "post", f"/rounds/{rid}/candidates", {"employees": ["301"]}).status_code == 409
    assert call(hr, "post", f"/rounds/{rid}/compute", {"from_registry": True}).status_code == 409
    refused = call(hr, "post", f"/rounds/{rid}/finalise")
    assert refused.status_code == 409 and "Chưa hết thời hạn" in refused.json()["error"]["message"]


# --- scope ---------------------------------------------------------------------------------


def test_hr_of_another_commune_gets_404_on_the_round(hr, pool, login):
    rid = make_round(hr, pool)["id"]
    compute(hr, rid)
    other = login(pool.cast.hr_b)
    for method, path in [
        ("get", f"/rounds/{rid}"),
        ("get", f"/rounds/{rid}/results"),
        ("post", f"/rounds/{rid}/compute"),
        ("get", f"/rounds/{rid}/ranking.pdf"),
        ("get", f"/rounds/{rid}/candidates/301"),
    ]:
        assert call(other, method, path).status_code == 404, path
    assert ok(call(other, "get", "/rounds"))["count"] == 0
    assert other.get(f"/transfers/rounds/{rid}/").status_code == 404


def test_the_exam_board_may_read_a_round_but_not_change_it_and_a_unit_head_sees_nothing(hr, pool, login):
    rid = make_round(hr, pool)["id"]
    board = get_user_model().objects.create_user(username="board", password="x")
    Role.objects.create(user=board, kind=Role.Kind.EXAM_BOARD, unit=pool.cast.commune_a)
    client = login(board)
    assert ok(call(client, "get", f"/rounds/{rid}"))["id"] == rid
    assert call(client, "post", f"/rounds/{rid}/compute").status_code == 403
    assert call(login(pool.cast.head_a), "get", f"/rounds/{rid}").status_code == 404


def test_a_candidate_sees_only_their_own_row_once_published(hr, pool, login):
    rid = make_round(hr, pool)["id"]
    compute(hr, rid)
    hoa = login(pool.hoa.user)
    assert call(hoa, "get", f"/rounds/{rid}/me").status_code == 404  # not published yet
    now = timezone.now()
    publish(login(pool.cast.hr_a), rid, now - dt.timedelta(hours=1), now + dt.timedelta(days=2))
    hoa = login(pool.hoa.user)
    mine = ok(call(hoa, "get", f"/rounds/{rid}/me"))
    assert mine["employee"] == "302" and mine["breakdown"] and mine["tie_break_text"]
    assert ok(call(hoa, "get", f"/rounds/{rid}/candidates/302"))["employee"] == "302"
    assert call(hoa, "get", f"/rounds/{rid}/candidates/301").status_code == 404
    assert call(hoa, "get", f"/rounds/{rid}/results").status_code == 404
    assert call(hoa, "get", f"/rounds/{rid}/objections").status_code == 404
    page = hoa.get(f"/transfers/rounds/{rid}/me/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Khoảng cách từ nơi ở đến nơi làm việc" in content and "15 km" in content  # her own distance
    assert not any(name in content for name in ("Nguyễn Văn Bình", "Cầm Văn Nam", "Hà Thị Lan", "Quàng Văn Sơn"))
    # An office clerk with an account is in no pool: 404.
    assert call(login(pool.cast.staff_user), "get", f"/rounds/{rid}/me").status_code == 404


# --- pages ---------------------------------------------------------------------------------


def test_round_pages_show_the_ranked_breakdown_and_objection_handling(hr, pool, login):
    rid = make_round(hr, pool)["id"]
    assert hr.post(f"/transfers/rounds/{rid}/do/compute/").status_code == 302
    page = hr.get(f"/transfers/rounds/{rid}/")
    content = page.content.decode()
    assert page.status_code == 200
    assert "Bộ tiêu chí mẫu — cần điều chỉnh theo quy chế của tỉnh" in content
    assert "1 điểm cho mỗi năm, tối đa 5 điểm" in content and "Nghị định 59/2019/NĐ-CP, Điều 39" in content
    response = hr.post(
        f"/transfers/rounds/{rid}/do/publish/",
        {
            "opens_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302 and TransferRound.objects.get(pk=rid).status == "published"
    son = login(pool.son.user)
    assert son.post(f"/transfers/rounds/{rid}/me/", {"text": "Tôi tự nguyện chuyển."}).status_code == 302
    objection = Objection.objects.get()
    hr = login(pool.cast.hr_a)
    assert "Tôi tự nguyện chuyển." in hr.get(f"/transfers/rounds/{rid}/objections/").content.decode()
    response = hr.post(
        f"/transfers/rounds/{rid}/objections/",
        {
            "objection": objection.pk,
            "decision": "accept",
            "kind": "volunteer",
            "value": "có",
            "document_ref": "Đơn tự nguyện",
        },
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert (objection.status, objection.rank_before, objection.rank_after) == ("accepted", 2, 1)


# --- leader selection ------------------------------------------------------------------------


@pytest.fixture
def selection(pool, login):
    User = get_user_model()
    # Panel members are officials of the caller's commune (its people's committee).
    members = [User.objects.create_user(username=f"hd{i}", password="x") for i in (1, 2, 3)]
    for i, member in enumerate(members, start=1):
        Employee.objects.create(
            code=f"90{i}", full_name=f"Thành viên hội đồng {i}", unit=pool.cast.office_a, category="cadre", user=member
        )
    hr = login(pool.cast.hr_a)
    body = {
        "title": "Thi tuyển Hiệu trưởng Trường Tiểu học Mộc Châu 2",
        "unit": "P-MC-TH2",
        "weights": {"exam": 0, "presentation": 1, "interview": 1},
        "pass_marks": {"presentation": 50},
        "pass_total": 60,
        "candidates": ["301", "303", "304"],
        "panel": ["hd1", "hd2", "hd3"],
    }
    created = ok(call(hr, "post", "/leaders", body), 201)
    return created["id"], members


def scores_of(client, sid: int) -> dict:
    return {
        (s["employee"], s["part"]): Decimal(str(s["score"])) for s in ok(call(client, "get", f"/leaders/{sid}/scores"))
    }


def test_panel_scores_are_averaged_dropping_the_highest_and_lowest(pool, login, selection):
    sid, members = selection
    sheets = {  # member → (301 presentation, 301 interview, 303 p, 303 i, 304 p, 304 i)
        "hd1": (50, 70, 60, 60, 90, 40),
        "hd2": (80, 70, 65, 70, 85, 45),
        "hd3": (90, 40, 70, 80, 80, 50),
    }
    for member in members:
        p1, i1, p3, i3, p4, i4 = sheets[member.username]
        body = {
            "scores": [
                {"employee": "301", "part": "presentation", "score": p1},
                {"employee": "301", "part": "interview", "score": i1},
                {"employee": "303", "part": "presentation", "score": p3},
                {"employee": "303", "part": "interview", "score": i3},
                {"employee": "304", "part": "presentation", "score": p4},
                {"employee": "304", "part": "interview", "score": i4},
            ]
        }
        ok(call(login(member), "put", f"/leaders/{sid}/scores", body))
    results = ok(call(login(pool.cast.hr_a), "get", f"/leaders/{sid}/results"))
    rows = {r["employee"]: r for r in results["rows"]}
    # 301: presentation 50/80/90 → 80; interview 70/70/40 → 70; total (80 + 70) / 2 = 75
    assert (Decimal(rows["301"]["presentation"]), Decimal(rows["301"]["interview"])) == (80, 70)
    assert Decimal(rows["301"]["total"]) == 75
    # 303: 65 and 70 → 67.5; 304: presentation 85, interview 45 → 65
    assert Decimal(rows["303"]["total"]) == Decimal("67.5") and Decimal(rows["304"]["total"]) == 65
    assert [r["employee"] for r in results["rows"]] == ["301", "303", "304"]
    assert results["winner"] == "301" and rows["301"]["presentation_count"] == 3


def test_a_panel_member_sees_and_edits_only_their_own_scores(pool, login, selection):
    sid, (one, two, three) = selection
    ok(
        call(
            login(one),
            "put",
            f"/leaders/{sid}/scores",
            {"scores": [{"employee": "301", "part": "presentation", "score": 91}]},
        )
    )
    client = login(two)
    assert scores_of(client, sid) == {}  # hd2 does not see hd1's 91
    ok(
        call(
            client,
            "put",
            f"/leaders/{sid}/scores",
            {"scores": [{"employee": "301", "part": "presentation", "score": 40}]},
        )
    )
    assert scores_of(client, sid) == {("301", "presentation"): Decimal(40)}
    assert scores_of(login(one), sid) == {("301", "presentation"): Decimal(91)}  # untouched
    assert PanelScore.objects.count() == 2
    # A panel member is not a manager: no combined results, no PDF; an outsider has no sheet.
    client = login(two)
    assert call(client, "get", f"/leaders/{sid}/results").status_code == 404
    assert call(client, "get", f"/leaders/{sid}/results.pdf").status_code == 404
    assert call(login(pool.cast.staff_user), "get", f"/leaders/{sid}/scores").status_code == 404
    # Scores are 0–100 and only for the selection's candidates.
    client = login(two)
    assert (
        call(
            client,
            "put",
            f"/leaders/{sid}/scores",
            {"scores": [{"employee": "301", "part": "interview", "score": 120}]},
        ).status_code
        == 422
    )
    assert (
        call(
            client, "put", f"/leaders/{sid}/scores", {"scores": [{"employee": "302", "part": "interview", "score": 70}]}
        ).status_code
        == 422
    )
    page = client.get(f"/transfers/leaders/{sid}/scores/")
    html = page.content.decode()
    # The other member's 91 is nowhere in a score field (a bare "91" could be part of a
    # random CSRF token on the page).
    assert page.status_code == 200 and 'value="40' in html and 'value="91' not in html


def test_the_panel_score_page_saves_the_members_own_sheet_and_closing_locks_it(pool, login, selection):
    sid, (one, _two, _three) = selection
    client = login(one)
    response = client.post(f"/transfers/leaders/{sid}/scores/", {"presentation-303": "72,5", "interview-303": "68"})
    assert response.status_code == 302
    assert scores_of(client, sid) == {("303", "presentation"): Decimal("72.5"), ("303", "interview"): Decimal(68)}
    ok(call(login(pool.cast.hr_a), "post", f"/leaders/{sid}/close"))
    refused = call(
        login(one), "put", f"/leaders/{sid}/scores", {"scores": [{"employee": "303", "part": "interview", "score": 90}]}
    )
    assert refused.status_code == 409


def test_the_written_exam_comes_from_the_exam_module_as_a_percentage(pool, login):
    cast = pool.cast
    now = timezone.now()
    exam = Exam.objects.create(
        title="Thi viết", unit=cast.commune_a, opens_at=now - dt.timedelta(days=2), closes_at=now - dt.timedelta(days=1)
    )
    Attempt.objects.create(exam=exam, employee=pool.binh, status="finalized", score=Decimal(45), max_score=Decimal(60))
    selection = actions.create_selection(
        acting_user=cast.hr_a,
        title="T",
        unit=pool.school_a2,
        post="Hiệu trưởng",
        exam=exam,
        weights={"exam": 1, "presentation": 0, "interview": 0},
    )
    actions.add_leader_candidates(acting_user=cast.hr_a, selection=selection, employees=[pool.binh])
    [row] = reports.selection_results(selection)["rows"]
    assert row["exam"] == 75.0 and row["total"] == Decimal("75")


# --- documents -------------------------------------------------------------------------------


def test_the_ranking_and_decision_pdfs_are_official_vietnamese_documents(hr, pool):
    rid = make_round(hr, pool, signed_by_deputy=True, signer_name="Lò Văn Thành")["id"]
    compute(hr, rid)
    ranking = hr.get(f"{API}/rounds/{rid}/ranking.pdf")
    assert ranking.status_code == 200 and ranking["Content-Type"] == "application/pdf"
    text = pdf_text(ranking.content)
    for fragment in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "ỦY BAN NHÂN DÂN PHƯỜNG MỘC CHÂU",
        "DANH SÁCH XẾP HẠNG",
        "Bộ tiêu chí mẫu — cần điều chỉnh theo quy chế của tỉnh",
        "Quàng Văn Sơn",
        "không thuộc diện xem xét",
        "Tòng Thị Mai",
        "Nghị định 59/2019/NĐ-CP, Điều 39",
        "thời gian công tác trong ngành dài hơn",
        "KT. CHỦ TỊCH",
    ]:
        assert fragment in text, fragment
    decision = pdf_text(hr.get(f"{API}/rounds/{rid}/decision.pdf").content)
    for fragment in [
        "QUYẾT ĐỊNH",
        "V/v điều động viên chức",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG MỘC CHÂU",
        "Căn cứ Luật Viên chức",
        "Điều 1.",
        "Điều 2.",
        "Điều 3.",
        "Lò Thị Hoa",
        "Trường Tiểu học Mộc Châu 2",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Lò Văn Thành",
        "Nơi nhận",
        "DỰ THẢO",
    ]:
        assert fragment in decision, fragment
    assert "Nguyễn Văn Bình" not in decision  # rank 2, no post left: not in Điều 1


def test_the_leader_results_pdf(pool, login, selection):
    sid, members = selection
    for member, score in zip(members, (70, 80, 90), strict=True):
        body = {
            "scores": [
                {"employee": code, "part": part, "score": score}
                for code in ("301", "303", "304")
                for part in ("presentation", "interview")
            ]
        }
        ok(call(login(member), "put", f"/leaders/{sid}/scores", body))
    response = login(pool.cast.hr_a).get(f"{API}/leaders/{sid}/results.pdf")
    text = pdf_text(response.content)
    assert "THÔNG BÁO" in text and "Kết quả thi tuyển chức danh Hiệu trưởng" in text
    assert "Trúng tuyển" in text and "Cầm Văn Nam" in text and "CHỦ TỊCH HỘI ĐỒNG" in text


# --- demo --------------------------------------------------------------------------------------


def test_the_demo_command_is_idempotent(db):
    call_command("seed_demo_transfers", stdout=io.StringIO())
    counts = (TransferRound.objects.count(), Evidence.objects.count(), PanelScore.objects.count())
    transfer_round = TransferRound.objects.get()
    assert transfer_round.status == "published" and transfer_round.candidates.filter(rank__isnull=False).count() > 10
    assert transfer_round.candidates.filter(eligible=False).exists() and transfer_round.source_units.count() == 4
    call_command("seed_demo_transfers", stdout=io.StringIO())
    assert (TransferRound.objects.count(), Evidence.objects.count(), PanelScore.objects.count()) == counts
    assert counts[2] == 3 * 3 * 2  # three members, three candidates, two parts
