"""The officer's own objects, made through the API before the fuzz run.

The demo gives the commune HR officer people, clocks and leave, but no question bank,
exam, transfer round or leader selection of their own: against only the demo, two in
three operations could answer nothing but 404 and their 200 answers would never be
checked against the document. Everything here goes through the public API as the
officer, so it follows the same rules as any client; a step the API refuses is reported
and skipped (the run then tests less, and says so).
"""

from __future__ import annotations

import datetime as dt

import httpx
import schemathesis
from schemathesis.core.failures import Failure, FailureGroup

UNIT = "P-MOCCHAU"  # the officer's commune (hr_system/demo.py)
SCHOOL = "P-MOCCHAU-TH"
OFFICER_CODE = "1020"  # the officer's own employee record


class Fixture:
    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base_url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        # Every answer here is also checked against the document: these are the 201s and
        # 200s that random inputs rarely reach (a valid exam, round or selection).
        self.document = schemathesis.openapi.from_url(base_url + "/api/v1/openapi.json")
        self.requests = 0
        self.refused: list[str] = []
        self.violations: list[str] = []
        self.server_errors: list[str] = []
        self.made: dict[str, list] = {}
        self.headers: dict[str, str] = {}

    def call(self, what: str, method: str, path: str, body=None, expect=(200, 201), headers=None) -> dict | None:
        r = self.http.request(method, path, json=body, headers=headers)
        self.requests += 1
        where = f"{method} /api/v1{path} → {r.status_code}"
        if r.status_code >= 500:
            self.server_errors.append(where)
        else:
            operation = self.document.find_operation_by_path(method, "/api/v1" + path.split("?")[0])
            try:
                operation.validate_response(r)
            except (FailureGroup, Failure) as exc:
                failures = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
                details = "; ".join(f"{f.title}: {f.message}" for f in failures)
                self.violations.append(f"{where}: {details}"[:2000])
        if r.status_code not in expect:
            self.refused.append(f"{what}: {method} {path} → {r.status_code} {r.text[:300]}")
            return None
        return r.json()

    def keep(self, kind: str, value) -> None:
        if value is not None:
            self.made.setdefault(kind, []).append(value)

    def codes(self, unit: str, n: int) -> list[str]:
        page = self.call("people", "GET", f"/people/employees?unit={unit}&active=true&page_size={n}")
        return [e["code"] for e in (page or {}).get("items", [])]

    # --- question bank and exams ------------------------------------------------------

    def bank(self, code: str, n: int) -> None:
        category = self.call(
            "category", "POST", "/assessments/bank/categories", {"code": code, "name": f"Chủ đề {code}", "unit": UNIT}
        )
        if category is None:
            return
        self.keep("category", category["id"])
        for i in range(n):
            question = self.call(
                "question",
                "POST",
                "/assessments/bank/questions",
                {
                    "category": category["id"],
                    "text": f"Câu hỏi {code} số {i + 1}: thời hạn giải quyết là bao lâu?",
                    "options": [
                        {"text": "05 ngày làm việc", "correct": True},
                        {"text": "10 ngày làm việc"},
                        {"text": "15 ngày làm việc"},
                    ],
                    "difficulty": 2,
                },
            )
            if question is None:
                continue
            self.keep("question_id", question["id"])
            for status in ("reviewed", "approved"):
                self.call("approve", "POST", f"/assessments/bank/questions/{question['id']}/status", {"status": status})

    def exam(self, title: str, category: str, candidates: list[str], *, start: bool) -> int | None:
        now = dt.datetime.now(dt.UTC)
        exam = self.call(
            "exam",
            "POST",
            "/assessments/exams",
            {
                "title": title,
                "unit": UNIT,
                "opens_at": (now - dt.timedelta(minutes=10)).isoformat(),
                "closes_at": (now + dt.timedelta(hours=4)).isoformat(),
                "time_limit": 120,
                "parts": [{"title": "Kiến thức chung", "rules": [{"category": category, "count": 2}]}],
            },
        )
        if exam is None:
            return None
        exam_id = exam["id"]
        self.keep("exam_id", exam_id)
        self.call("candidates", "POST", f"/assessments/exams/{exam_id}/candidates", {"employees": candidates})
        self.call("papers", "POST", f"/assessments/exams/{exam_id}/generate-papers")
        if start:  # the officer sits this one: the candidate's endpoints have an attempt
            started = self.call("start", "POST", f"/assessments/exams/{exam_id}/start", {"access_code": ""})
            # The exam page's session header is read by the views, not declared in the
            # document: the run sends this sitting's token with every request.
            self.headers["X-Exam-Session"] = (started or {}).get("session_token", "")
            # One sitting through the candidate's endpoints now: the fuzzer may close it early.
            sitting = {"X-Exam-Session": self.headers["X-Exam-Session"]}
            paper = self.call("paper", "GET", f"/assessments/exams/{exam_id}/paper", headers=sitting) or {}
            items = paper.get("items", [])
            if items:
                answer = {"position": items[0]["position"], "selected": [items[0]["options"][0]["id"]], "seq": 1}
                self.call("answer", "POST", f"/assessments/exams/{exam_id}/answers", answer, headers=sitting)
            self.call("heartbeat", "POST", f"/assessments/exams/{exam_id}/heartbeat", {}, headers=sitting)
        monitor = self.call("monitor", "GET", f"/assessments/exams/{exam_id}/monitor") or {}
        for row in monitor.get("attempts", monitor.get("rows", [])):
            self.keep("attempt_id", row.get("attempt_id", row.get("id")))
        return exam_id

    # --- transfers ----------------------------------------------------------------------

    def transfer_round(self, teachers: list[str]) -> None:
        criteria = self.call("criteria set", "POST", "/assessments/transfers/criteria-sets/default")
        if criteria is None:
            return
        self.keep("set_id", criteria["id"])
        created = self.call(
            "round",
            "POST",
            "/assessments/transfers/rounds",
            {
                "title": "Sắp xếp giáo viên dôi dư (kiểm thử)",
                "unit": UNIT,
                "purpose": "surplus",
                "kind": "transfer",
                "criteria_set": criteria["id"],
                "source_units": [SCHOOL, f"{UNIT}-UB"],
                "reference_date": dt.date.today().isoformat(),
            },
        )
        if created is None:
            return
        rid = created["id"]
        self.keep("round_id", rid)
        self.call(
            "round candidates", "POST", f"/assessments/transfers/rounds/{rid}/candidates", {"employees": teachers}
        )
        post = self.call(
            "post",
            "POST",
            f"/assessments/transfers/rounds/{rid}/posts",
            {"unit": f"{UNIT}-THCS", "title": "Giáo viên", "count": 1},
        )
        if post is not None:
            self.call(
                "preferences",
                "PUT",
                f"/assessments/transfers/rounds/{rid}/candidates/{OFFICER_CODE}/preferences",
                {"posts": [post["id"]]},
            )
        self.call("compute", "POST", f"/assessments/transfers/rounds/{rid}/compute", {})
        now = dt.datetime.now(dt.UTC)
        self.call(
            "publish",
            "POST",
            f"/assessments/transfers/rounds/{rid}/publish",
            {
                "opens_at": (now - dt.timedelta(hours=1)).isoformat(),
                "closes_at": (now + dt.timedelta(days=7)).isoformat(),
            },
        )
        objection = self.call(
            "objection",
            "POST",
            f"/assessments/transfers/rounds/{rid}/objections",
            {"text": "Đề nghị xem lại điểm thâm niên."},
        )
        self.keep("objection_id", (objection or {}).get("id"))

    def selection(self, candidates: list[str], exam_id: int | None) -> None:
        created = self.call(
            "leader selection",
            "POST",
            "/assessments/transfers/leaders",
            {
                "title": "Thi tuyển Hiệu trưởng (kiểm thử)",
                "unit": SCHOOL,
                "exam": exam_id,
                "candidates": candidates,
                "panel": ["noivu.mocchau"],
            },
        )
        self.keep("selection_id", (created or {}).get("id"))

    # --- attendance ---------------------------------------------------------------------

    def leave_and_corrections(self, codes: list[str]) -> None:
        day = dt.date.today() - dt.timedelta(days=3)
        for code in codes:
            correction = self.call(
                "correction",
                "POST",
                "/attendance/corrections",
                {
                    "employee": code,
                    "date": day.isoformat(),
                    "kind": "forgot",
                    "time_in": "07:25",
                    "reason": "Quên chấm",
                },
            )
            self.keep("correction_id", (correction or {}).get("id"))
            leave = self.call(
                "leave",
                "POST",
                "/attendance/leave",
                {
                    "employee": code,
                    "leave_type": "P",
                    "start_date": (day + dt.timedelta(days=10)).isoformat(),
                    "end_date": (day + dt.timedelta(days=11)).isoformat(),
                    "reason": "Nghỉ phép năm",
                },
            )
            self.keep("leave_id", (leave or {}).get("id"))


def build(base_url: str, token: str) -> Fixture:
    f = Fixture(base_url, token)
    teachers = f.codes(SCHOOL, 6)
    office = [c for c in f.codes(f"{UNIT}-UB", 4) if c != OFFICER_CODE][:3]
    f.bank("FUZZ-A", 3)
    f.bank("FUZZ-B", 3)
    sat = f.exam("Kỳ thi kiểm thử (cán bộ nội vụ dự thi)", "FUZZ-A", [OFFICER_CODE, *office], start=True)
    f.exam("Kỳ thi kiểm thử", "FUZZ-B", teachers, start=False)
    f.transfer_round([*teachers, OFFICER_CODE])
    f.selection(teachers[:3], sat)
    f.leave_and_corrections(office[:2])
    return f
