"""Assessments API: one router mounting the bank, the exams (with the exam page's own
endpoints and proctoring) and the results routers."""

from ninja import Router

from assessments.api import bank, exams, recruitment, remarks, results, sitting_records, sittings

router = Router(tags=["Đánh giá năng lực"])
router.add_router("/bank", bank.router, tags=["Ngân hàng câu hỏi"])
router.add_router("/exams", exams.router, tags=["Kỳ thi"])
router.add_router("/exams", sittings.router, tags=["Ca thi"])
router.add_router("/exams", recruitment.router, tags=["Kỳ thi"])
router.add_router("/results", results.router, tags=["Kết quả"])
router.add_router("/remarks", remarks.router, tags=["Phúc khảo"])
router.add_router("/sittings", sitting_records.router, tags=["Ca thi"])
