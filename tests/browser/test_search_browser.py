"""An HR officer finds people by typing their names the way Vietnamese people type on
any keyboard: without diacritics, in capitals, with extra spaces; the list keeps the
order of official lists (given name first). Through gunicorn with DEBUG off."""

from hr_system.models import Employee


def test_hr_finds_people_by_name_without_diacritics(transactional_db, cast, site, browser_page, web_login):
    Employee.objects.create(code="120", full_name="Trần Văn An", unit=cast.office_a, category="civil_servant")
    Employee.objects.create(code="121", full_name="Đinh Thị Bình", unit=cast.office_a, category="civil_servant")
    page = browser_page
    web_login(page, "hr_a")
    page.goto(f"{site.url}/employees/")
    search = page.locator("input[name=q]")
    for typed, expected in [
        ("nguyen van an", ["Nguyễn Văn An"]),
        ("  NGUYỄN   văn ", ["Nguyễn Văn An"]),
        ("dinh", ["Đinh Thị Bình"]),
        ("van an", ["Nguyễn Văn An", "Trần Văn An"]),  # given name, then family name
        ("huong", ["Lò Thị Hương"]),
        ("duc", []),  # Cầm Văn Đức works in commune B, outside this officer's scope
    ]:
        search.fill(typed)
        with page.expect_navigation():
            search.press("Enter")
        names = page.locator("table.data tbody tr td:nth-child(2)").all_inner_texts()
        assert [" ".join(n.split()) for n in names] == expected, typed
