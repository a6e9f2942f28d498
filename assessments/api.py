"""Assessments API: one router mounting the bank, exam (incl. the exam page's own
endpoints and proctoring) and results routers."""

from ninja import Router

from assessments import api_bank, api_exam, api_results

router = Router(tags=["Đánh giá năng lực"])
router.add_router("/bank", api_bank.router, tags=["Ngân hàng câu hỏi"])
router.add_router("/exams", api_exam.router, tags=["Kỳ thi"])
router.add_router("/results", api_results.router, tags=["Kết quả"])
