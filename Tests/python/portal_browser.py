#!/usr/bin/env python3
"""The portal in a real browser: Debian's chromium driven by selenium against a running
`fawang serve`. A citizen applies for legal aid online with a file (an invalid form first: the
error shows beside its field; a text file named .pdf is refused beside the file input) and gets a
tracking number, then adds a photo from the progress page; legal aid, switched off for one
county by the server's config, is gone from that county's pages and its calls answer unavailable; staff sign in to the workbench, find it in the
queue, download the file and accept, assign and conclude it; the citizen sees the new status and rates it,
and answers the province's questionnaire, which the admin then sees summarised. The
pages hold at a 375 px phone width and in the large-text mode; every field is labelled; a form
posted without its CSRF cookie is refused. Screenshots of the main pages, desktop and phone, go to --screenshots.

    python3 Tests/python/portal_browser.py --http 127.0.0.1:8080 --screenshots /tmp/shots

Needs chromium, chromium-driver (Debian) and selenium (PyPI); scripts/setup.sh installs them.
Prints the tracking number on its last line; exits non-zero with the failed check.
"""
import argparse
import datetime
import base64
import hashlib
import pathlib
import random
import sys
import tempfile
import json
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import checks  # noqa: E402
from checks import check  # noqa: E402

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    sys.exit("selenium missing: scripts/setup.sh installs it (pip install selenium)")



# A small real PDF and a 1×1 PNG: what a citizen attaches.
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
       b"trailer\n<< /Size 3 /Root 1 0 R >>\n%%EOF\n")
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def browser(width, height, phone=False):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=zh-CN",
                     f"--window-size={width},{height}"]:
        options.add_argument(argument)
    if phone:
        # A desktop window cannot be narrower than ~500 px: emulate the phone's viewport instead.
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2}})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def fill(driver, values):
    for name, value in values.items():
        element = driver.find_element(By.NAME, name)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        else:
            element.clear()
            element.send_keys(value)


def navigate(driver, element):
    """Clicks what loads a new page, and waits until the new page has loaded."""
    driver.execute_script("window.__stillTheOldPage = true")
    element.click()

    def loaded(driver):
        return driver.execute_script("return window.__stillTheOldPage === undefined && document.readyState === 'complete'")

    WebDriverWait(driver, 20, ignored_exceptions=(WebDriverException,)).until(loaded)


def submit(driver, scope=None):
    navigate(driver, (scope or driver).find_element(By.CSS_SELECTOR, "button[type=submit]"))


def every_field_labelled(driver):
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea')).every(function (e) {
            return (e.id && document.querySelector('label[for="' + e.id + '"]')) || e.closest('label');
        });""")


def no_horizontal_scroll(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", default="127.0.0.1:8080")
    parser.add_argument("--screenshots", default="portal-screenshots")
    options = parser.parse_args()
    base = f"http://{options.http}"
    shots = pathlib.Path(options.screenshots)
    shots.mkdir(parents=True, exist_ok=True)

    driver = browser(1280, 900)
    try:
        driver.get(base + "/")
        check("12348宁夏法网" in driver.title, f"the home page's title: {driver.title}")
        check(driver.find_element(By.CSS_SELECTOR, ".hotline a").get_attribute("href") == "tel:12348", "the hotline is a tel: link")
        check("法律援助" in driver.find_element(By.CSS_SELECTOR, ".services").text, "legal aid among the services")
        # The visitor's division: the pages then show what serves it, and forms start from it.
        Select(driver.find_element(By.ID, "f-region")).select_by_value("640104")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form.region"))
        heading = driver.find_element(By.XPATH, "//h2[starts-with(., '公共法律服务')]").text
        check("兴庆区" in heading, f"the chosen division: {heading}")
        driver.save_screenshot(str(shots / "home-desktop.png"))

        # Legal aid is switched off for Xixia (640105) alone (the test's config): it vanishes from
        # Xixia's pages, and its calls there answer UNAVAILABLE, while Xingqing keeps it.
        Select(driver.find_element(By.ID, "f-region")).select_by_value("640105")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form.region"))
        services = driver.find_element(By.CSS_SELECTOR, ".services").text
        check("法律援助" not in services and "人民调解" in services, f"legal aid is gone from Xixia's home page: {services[:120]}")
        driver.get(base + "/apply")
        check("法律援助" not in driver.find_element(By.TAG_NAME, "main").text, "and from Xixia's list of online forms")
        driver.get(base + "/apply/legal-aid/submit")
        check("该服务暂未开放网上办理" in driver.page_source, "its form is not offered in Xixia")
        answer = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/fawang.legalaid.v1.LegalAidService/SubmitApplication', {method: 'POST', headers: {'Content-Type': 'application/json'},
                  body: JSON.stringify(arguments[0])})
              .then(r => r.json().then(body => done([r.status, body.code, body.message])));""", {
            "requestId": "browser-640105", "context": {"channel": "CHANNEL_WEB"},
            "applicant": {"name": "马小花", "idNumber": "11010519491231002X", "phone": "13951001234"}, "regionCode": "640105",
            "caseCategory": "CASE_CATEGORY_LABOUR_REMUNERATION", "serviceForm": "SERVICE_FORM_LITIGATION_AGENCY",
            "caseSummary": "被拖欠工资", "hardship": {"householdSize": 4, "monthlyIncomePerCapitaYuan": 600, "description": "无收入",
                                                  "verification": "HARDSHIP_VERIFICATION_PERSONAL_COMMITMENT"}})
        check(answer[0] == 503 and answer[1] == "unavailable" and "640105" in answer[2], f"a Connect call for Xixia answers unavailable: {answer}")
        driver.get(base + "/")
        Select(driver.find_element(By.ID, "f-region")).select_by_value("640104")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form.region"))
        check("法律援助" in driver.find_element(By.CSS_SELECTOR, ".services").text, "Xingqing still offers legal aid")

        # A citizen registers under their real name (a wrong identity number is named first).
        phone = "139" + str(random.randint(10000000, 99999999))
        navigate(driver, driver.find_element(By.LINK_TEXT, "我的事项"))
        register = driver.find_element(By.ID, "register")
        for name, value in {"name": "马小花", "id_number": "110105194912310021", "phone": phone, "password": "Fawang2026a"}.items():
            register.find_element(By.NAME, name).send_keys(value)
        submit(driver, register)
        check("身份证" in driver.find_element(By.ID, "f-reg-id-error").text, "a wrong identity number is named beside its field")
        register = driver.find_element(By.ID, "register")
        register.find_element(By.NAME, "id_number").clear()
        register.find_element(By.NAME, "id_number").send_keys("11010519491231002X")
        register.find_element(By.NAME, "password").send_keys("Fawang2026a")
        submit(driver, register)
        check(driver.find_element(By.TAG_NAME, "h1").text == "我的事项" and driver.find_elements(By.ID, "my-matters"), "registered and signed in")
        driver.get(base + "/")
        navigate(driver, driver.find_element(By.LINK_TEXT, "提交法律援助申请（第四十一条：经济困难说明或承诺）"))
        check(driver.find_element(By.TAG_NAME, "h1").text.startswith("提交法律援助申请"), "the legal aid form")
        check(every_field_labelled(driver), "every form field has a label")
        check(driver.find_element(By.NAME, "region_code").get_attribute("value") == "640104", "the region starts as the visitor's")
        driver.save_screenshot(str(shots / "apply-legal-aid-desktop.png"))

        # An incomplete application: the server's errors show beside their fields.
        fill(driver, {"applicant.name": "马小花", "applicant.phone": "13951001234"})
        request_id = driver.find_element(By.NAME, "_request_id").get_attribute("value")
        submit(driver)
        check(driver.find_element(By.NAME, "_request_id").get_attribute("value") == request_id,
              "the corrected form keeps its request id: submitting twice files one application")
        error = driver.find_element(By.ID, "f-submit-applicant-id_number-error").text
        check("身份证号" in error, f"the identity number's error beside it: {error}")
        check(driver.find_element(By.ID, "f-submit-applicant-id_number").get_attribute("aria-invalid") == "true", "the field is marked invalid")
        check(driver.find_element(By.NAME, "applicant.name").get_attribute("value") == "马小花", "what was typed is kept")
        check("请按提示修改" in driver.find_element(By.ID, "form-message").text, "a summary at the top")
        driver.save_screenshot(str(shots / "apply-legal-aid-errors-desktop.png"))

        # A file that is not what its name says is refused beside the file input; nothing is filed.
        files = pathlib.Path(tempfile.mkdtemp())
        (files / "申请书.pdf").write_bytes("这其实是一个文本文件".encode())
        (files / "身份证.pdf").write_bytes(PDF)
        (files / "收入证明.png").write_bytes(PNG)
        fill(driver, {
            "applicant.id_number": "11010519491231002X", "applicant.address": "银川市兴庆区文化街1号",
            "region_code": "640104", "case_category": "CASE_CATEGORY_LABOUR_REMUNERATION",
            "service_form": "SERVICE_FORM_LITIGATION_AGENCY", "case_summary": "在工地务工六个月，被拖欠工资两万四千元。",
            "opposing_party": "某建筑劳务公司", "hardship.household_size": "4", "hardship.monthly_income_per_capita_yuan": "600",
            "hardship.description": "家庭无其他收入来源", "hardship.verification": "HARDSHIP_VERIFICATION_PERSONAL_COMMITMENT",
            "materials": "身份证复印件\n务工情况说明",
        })
        driver.find_element(By.ID, "f-files").send_keys(str(files / "申请书.pdf"))
        submit(driver)
        error = driver.find_element(By.ID, "f-files-error").text
        check("申请书.pdf" in error and "只能上传PDF、JPG或PNG" in error, f"the refused file is named beside the file input: {error}")
        check(driver.find_element(By.NAME, "case_summary").get_attribute("value").startswith("在工地务工"), "the typed fields are kept")
        check(driver.find_element(By.NAME, "_request_id").get_attribute("value") == request_id, "still the same request id")
        driver.save_screenshot(str(shots / "apply-legal-aid-file-refused-desktop.png"))
        driver.find_element(By.ID, "f-files").send_keys(str(files / "身份证.pdf"))
        submit(driver)
        problems = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".alert, .error")]
        check(driver.find_element(By.TAG_NAME, "h1").text == "提交成功", f"submitted, got the form again: {problems}")
        number = driver.find_element(By.ID, "tracking-number").text
        check(len(number.replace(" ", "")) == 16, f"a 16-digit tracking number: {number}")
        check("法律援助法" in driver.find_element(By.CSS_SELECTOR, ".deadlines").text, "the decision deadline with its article")
        uploaded = driver.find_element(By.CSS_SELECTOR, ".receipt .materials").text
        check("身份证.pdf" in uploaded and hashlib.sha256(PDF).hexdigest()[:12] in uploaded, f"the receipt lists the uploaded file with its hash: {uploaded}")
        driver.save_screenshot(str(shots / "submitted-desktop.png"))
        driver.get(base + "/my")
        check(number in driver.find_element(By.ID, "my-matters").text, "the application is among the citizen's matters")
        driver.save_screenshot(str(shots / "my-matters-desktop.png"))

        # 问卷调查: the province's satisfaction questionnaire, answered as the signed-in citizen; a
        # required question left out is named under it and what was chosen stays chosen.
        driver.get(base + "/surveys")
        navigate(driver, driver.find_element(By.LINK_TEXT, "12348公共法律服务群众满意度调查"))
        check(not driver.find_elements(By.ID, "survey-login"), "signed in: the form, no sign-in notice")
        check(every_field_labelled(driver), "every questionnaire field has a label")
        form = driver.find_element(By.ID, "survey-form")
        form.find_element(By.CSS_SELECTOR, "input[name=q1][value='3']").click()
        form.find_element(By.CSS_SELECTOR, "input[name=q2][value='1']").click()
        form.find_element(By.CSS_SELECTOR, "input[name=q2][value='2']").click()
        submit(driver, form)
        check("是必答题" in driver.find_element(By.ID, "question-q3").text, "the required scale question is named")
        check(driver.find_element(By.CSS_SELECTOR, "input[name=q1][value='3']").is_selected(), "the choice made stays")
        driver.find_element(By.CSS_SELECTOR, "input[name=q3][value='4']").click()
        fill(driver, {"q4": "希望乡镇站点周末也能办理"})
        driver.save_screenshot(str(shots / "survey-desktop.png"))
        submit(driver, driver.find_element(By.ID, "survey-form"))
        check(driver.find_element(By.TAG_NAME, "h1").text == "提交成功", "the answer is taken")
        check(driver.find_element(By.ID, "survey-receipt").text.startswith("hj-"), "with a receipt number")

        driver.get(base + "/progress")
        fill(driver, {"tracking_number": number, "phone_last4": "1234"})
        submit(driver)
        report = driver.find_element(By.CSS_SELECTOR, "#current-progress").text
        check("法律援助" in report and "马*" in report, f"the progress report, applicant masked: {report[:200]}")
        check("依据：《中华人民共和国法律援助法》第四十三条" in report, "each deadline with its article")
        check("提交法律援助申请" in driver.find_element(By.CSS_SELECTOR, ".timeline").text, "the timeline")
        driver.save_screenshot(str(shots / "progress-desktop.png"))
        # The deadline's article links to its text in the law library.
        navigate(driver, driver.find_element(By.LINK_TEXT, "《中华人民共和国法律援助法》第四十三条"))
        check(driver.find_element(By.ID, "law-citation").text == "《中华人民共和国法律援助法》第四十三条", "the article's page")
        check("七日内进行审查" in driver.find_element(By.ID, "law-text").text, "with the article's text")
        driver.save_screenshot(str(shots / "law-article-desktop.png"))
        # 法规查询: words in, articles out, the words marked.
        navigate(driver, driver.find_element(By.LINK_TEXT, "← 法律法规查询"))
        fill(driver, {"q": "法律援助 经济困难"})
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form[role=search]"))
        check("共找到" in driver.find_element(By.ID, "law-total").text, "the number of articles found")
        marks = {e.text for e in driver.find_elements(By.CSS_SELECTOR, ".law-hits mark")}
        check(marks and marks <= {"法律援助", "经济困难"}, f"the words are marked in the snippets: {marks}")
        check(every_field_labelled(driver), "every search field has a label")
        driver.save_screenshot(str(shots / "law-search-desktop.png"))

        # 服务指引: the problem in the citizen's words (the visitor's division is Xingqing); a
        # suggestion's question, answered, changes its advice.
        driver.get(base + "/guide")
        fill(driver, {"q": "老板拖欠我三个月工资，请不起律师"})
        submit(driver, driver.find_element(By.ID, "guide-form"))
        first = driver.find_element(By.CSS_SELECTOR, "#guide-results .suggestion")
        check(first.get_attribute("data-module") == "legal-aid", "legal aid fits unpaid wages")
        check("《中华人民共和国法律援助法》第四十三条" in first.text and "银川市法律援助中心" in first.text,
              "the time limit with its article and Yinchuan's centre for Xingqing")
        check(first.find_element(By.LINK_TEXT, "在线申请").get_attribute("href").endswith("/apply/legal-aid/submit"), "apply online")
        first.find_element(By.CSS_SELECTOR, "input[name='a.legal-aid.application/hardship'][value=no]").click()
        navigate(driver, first.find_element(By.XPATH, ".//button[contains(., '按回答更新指引')]"))
        check("不符合经济困难条件" in driver.find_element(By.CSS_SELECTOR, ".advice").text, "the answer changes the advice")
        check(every_field_labelled(driver), "every guidance field has a label")
        driver.save_screenshot(str(shots / "guide-desktop.png"))

        # 机构查询: the offline map of the counties; a click in Guyuan's hills lists the nearest first.
        driver.get(base + "/directory?kind=legal_aid_centre&region=")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#directory-map path.county")) == 22, "22 counties on the map")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#directory-map circle.entry")) == 5, "the five centres as points")
        driver.save_screenshot(str(shots / "directory-desktop.png"))
        driver.execute_script("""
            var svg = document.getElementById('directory-map');
            svg.scrollIntoView();
            var box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal, d = svg.dataset;
            var x = (106.0 - parseFloat(d.west)) * parseFloat(d.xscale), y = (parseFloat(d.north) - 36.2) * parseFloat(d.yscale);
            var cx = box.left + x * box.width / view.width, cy = box.top + y * box.height / view.height;
            window.__stillTheOldPage = true;
            document.elementFromPoint(cx, cy).dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: cx, clientY: cy}));""")
        WebDriverWait(driver, 20, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script("return window.__stillTheOldPage === undefined && document.readyState === 'complete'"))
        results = driver.find_elements(By.CSS_SELECTOR, "#directory-results li")
        check(results and "固原市法律援助中心" in results[0].text and "公里" in results[0].text, "the nearest centre first, with its distance")
        check(driver.find_elements(By.ID, "near-point"), "the clicked place is marked")
        navigate(driver, results[0].find_element(By.TAG_NAME, "a"))
        check(driver.find_element(By.ID, "licence-status").text and driver.find_element(By.ID, "discipline").text == "无", "the credit record")
        driver.save_screenshot(str(shots / "directory-entry-desktop.png"))

        # 法治宣传: published articles; the public's reading is counted.
        driver.get(base + "/publicity")
        articles = driver.find_elements(By.CSS_SELECTOR, "#publicity-articles li a")
        check(len(articles) >= 4, "the demo articles")
        navigate(driver, articles[0])
        reads = int(driver.find_element(By.ID, "article-reads").text)
        driver.refresh()
        check(int(driver.find_element(By.ID, "article-reads").text) == reads + 1, "a reading counted")
        driver.save_screenshot(str(shots / "publicity-article-desktop.png"))

        # 信息公开: the proactive catalogue, an item, and the way to apply on request.
        driver.get(base + "/disclosure")
        rows = driver.find_elements(By.CSS_SELECTOR, "#disclosure-items tbody tr")
        check(rows and rows[0].text.startswith("640000-"), "the catalogue lists items by their index numbers")
        # The categories come from the service, each with its count.
        option = next(o for o in Select(driver.find_element(By.ID, "f-dcat")).options if o.text.startswith("办事指南（"))
        counted = int(option.text[len("办事指南（"):-1])
        option.click()
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form.inline"))
        guides = driver.find_elements(By.CSS_SELECTOR, "#disclosure-items tbody tr")
        check(guides and all("办事指南" in row.text for row in guides), "a category narrows the catalogue")
        check(len(guides) == counted, f"as many service guides as the category says: {len(guides)} vs {counted}")
        navigate(driver, guides[0].find_element(By.TAG_NAME, "a"))
        check(driver.find_element(By.ID, "item-title").text, "an item's page")
        driver.save_screenshot(str(shots / "disclosure-item-desktop.png"))
        navigate(driver, driver.find_element(By.LINK_TEXT, "← 政府信息公开"))
        navigate(driver, driver.find_element(By.ID, "apply-disclosure"))
        check(driver.find_elements(By.CSS_SELECTOR, "form input[name='information_name'], form textarea[name='information_name']"),
              "the application form on request")

        # 网上预约: an open slot at Xingqing's centre, booked, moved, cancelled with the phone digits.
        driver.get(base + "/appointments?region=640104&service=legal-aid.application")
        slots = driver.find_elements(By.CSS_SELECTOR, "#appointment-slots tbody tr")
        check(slots and all("法律援助申请" in row.text for row in slots), "the open legal aid slots of Xingqing")
        check(every_field_labelled(driver), "every filter is labelled")
        navigate(driver, slots[0].find_element(By.LINK_TEXT, "预约"))
        check(every_field_labelled(driver), "every booking field is labelled")
        fill(driver, {"name": "马小花", "phone": "139"})
        submit(driver, driver.find_element(By.ID, "booking-form"))
        check("手机号" in driver.find_element(By.CSS_SELECTOR, ".alert").text, "a bad phone is named")
        fill(driver, {"phone": "13951001234"})
        submit(driver, driver.find_element(By.ID, "booking-form"))
        booking = driver.find_element(By.ID, "booking-number").text
        check(booking.startswith("Y") and driver.find_element(By.ID, "booking-status").text == "已预约", f"booked: {booking}")
        driver.save_screenshot(str(shots / "appointment-booked-desktop.png"))
        submit(driver, driver.find_element(By.ID, "reschedule-form"))
        moved = driver.find_element(By.ID, "booking-number").text
        check("已改约" in driver.find_element(By.CSS_SELECTOR, ".alert").text and moved != booking, f"moved: {booking} → {moved}")
        submit(driver, driver.find_element(By.ID, "cancel-form"))
        check(driver.find_element(By.ID, "booking-status").text == "已取消", "cancelled")
        check(driver.find_elements(By.ID, "cancel-form") == [], "a cancelled booking offers nothing more")

        # 网上申请 + 网上预约 in one step: a slot's page offers its line's form, which carries the slot;
        # the receipt has the tracking number and the booking.
        driver.get(base + "/appointments?region=640104&service=legal-aid.application")
        navigate(driver, driver.find_elements(By.CSS_SELECTOR, "#appointment-slots tbody tr")[0].find_element(By.LINK_TEXT, "预约"))
        navigate(driver, driver.find_element(By.CSS_SELECTOR, "#apply-with-booking a"))
        check("同时预约" in driver.find_element(By.ID, "visit-slot").text, "the form names the slot it books")
        fill(driver, {
            "applicant.name": "马小花", "applicant.phone": "13951001234", "applicant.id_number": "11010519491231002X",
            "applicant.address": "银川市兴庆区文化街1号", "region_code": "640104", "case_category": "CASE_CATEGORY_LABOUR_REMUNERATION",
            "service_form": "SERVICE_FORM_LITIGATION_AGENCY", "case_summary": "在工地务工六个月，被拖欠工资两万四千元。",
            "opposing_party": "某建筑劳务公司", "hardship.household_size": "4", "hardship.monthly_income_per_capita_yuan": "600",
            "hardship.description": "家庭无其他收入来源", "hardship.verification": "HARDSHIP_VERIFICATION_PERSONAL_COMMITMENT",
        })
        submit(driver)
        visit = driver.find_element(By.ID, "visit-booking").text
        check(driver.find_element(By.TAG_NAME, "h1").text == "提交成功" and "预约号 Y" in visit and driver.find_element(By.ID, "tracking-number").text,
              f"filed and booked together: {visit}")
        driver.save_screenshot(str(shots / "apply-with-booking-desktop.png"))

        # The walk-in hall: the display (叫号屏) open in its own tab, a ticket from the kiosk page,
        # the window's call made over the Connect API as the appointments desk, pushed to the display.
        def connect(path, body, token=None):
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = "Bearer " + token
            request = urllib.request.Request(f"{base}/{path}", data=json.dumps(body).encode(), headers=headers, method="POST")
            with urllib.request.urlopen(request) as response:
                return json.loads(response.read())
        desk = connect("fawang.identity.v1.IdentityService/Login", {"login": "appointments-640104", "password": "Fawang@2026"})["accessToken"]
        staff = {"channel": "CHANNEL_WALK_IN", "operatorId": "staff-640104-appointments"}
        connect("fawang.appointment.v1.HallService/SetWindow",
                {"officeId": "plsc-640104", "window": "1号窗口", "services": ["legal-aid.application"], "context": staff}, desk)
        kiosk = driver.current_window_handle
        driver.switch_to.new_window("tab")
        driver.get(base + "/hall/display?office=plsc-640104")
        WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "hall-display").get_attribute("data-live") == "true")
        display = driver.current_window_handle
        driver.switch_to.window(kiosk)
        driver.get(base + "/hall/kiosk?office=plsc-640104")
        check(every_field_labelled(driver), "every kiosk field is labelled")
        navigate(driver, driver.find_element(By.CSS_SELECTOR, "#kiosk-form button[value='legal-aid.application']"))
        ticket = driver.find_element(By.ID, "ticket-number").text
        check(ticket.startswith("A"), f"a ticket from the kiosk: {ticket}")
        driver.save_screenshot(str(shots / "hall-kiosk-desktop.png"))
        called = connect("fawang.appointment.v1.HallService/CallNext", {"officeId": "plsc-640104", "window": "1号窗口", "context": staff}, desk)
        driver.switch_to.window(display)
        WebDriverWait(driver, 20).until(lambda d: called["number"] in d.find_element(By.ID, "announcement").text)
        check(driver.find_element(By.ID, "announcement").text == called["announcement"], "the display says the call, pushed")
        check(called["number"] in driver.find_element(By.ID, "calls").text, "and lists it")
        driver.save_screenshot(str(shots / "hall-display-desktop.png"))
        driver.close()
        driver.switch_to.window(kiosk)
        driver.get(base + "/progress")
        fill(driver, {"tracking_number": number, "phone_last4": "1234"})
        submit(driver)

        # More materials from the progress page, while the matter is open.
        upload = driver.find_element(By.ID, "upload-form")
        upload.find_element(By.ID, "f-files").send_keys(str(files / "收入证明.png"))
        submit(driver, upload)
        check("已上传：收入证明.png" in driver.find_element(By.CSS_SELECTOR, ".alert").text, "the progress page takes a further file")
        timeline = driver.find_element(By.CSS_SELECTOR, ".timeline").text
        check("提交材料：身份证" in timeline and "提交材料：收入证明" in timeline, f"both files on the public timeline: {timeline}")

        # The staff: sign in to the workbench, find the matter in the queue, accept and assign.
        driver.get(base + "/staff")
        fill(driver, {"login": "staff-640100-reviewer", "password": "Fawang@2026"})
        submit(driver)
        check(driver.find_element(By.TAG_NAME, "h1").text == "待办事项", "the workbench's queue")
        row = driver.find_element(By.XPATH, f"//table[@class='queue']//tr[td/a[text()='{number}']]")
        check("running" in row.get_attribute("class") and "待审查" in row.text, f"the new matter is queued, within its deadline: {row.text}")
        overdue = driver.find_elements(By.CSS_SELECTOR, "table.queue tr.overdue")
        check(overdue and "已逾期" in overdue[0].text and "法律援助法" in overdue[0].text, "the demo's overdue matters are marked red with the article")
        check(every_field_labelled(driver), "every workbench field has a label")
        # Deadline alerts stream in live (WatchAlerts as Server-Sent Events): the current ones first.
        WebDriverWait(driver, 20).until(lambda d: "已连接" in d.find_element(By.CSS_SELECTOR, "#live-alerts .status").text)
        live = driver.find_element(By.CSS_SELECTOR, "#live-alerts .status").text
        check(int("".join(c for c in live.split("当前")[1] if c.isdigit())) >= 1, f"the live alerts count the demo's overdue matters: {live}")
        driver.save_screenshot(str(shots / "staff-queue-desktop.png"))
        navigate(driver, row.find_element(By.TAG_NAME, "a"))
        check(driver.find_element(By.ID, "tracking-number").text == number, "the matter page")
        check("11010519491231002X" in driver.page_source, "staff handling it see the identity number")
        listed = driver.find_element(By.ID, "materials")
        check("身份证.pdf" in listed.text and "收入证明.png" in listed.text, f"the matter's materials: {listed.text}")
        driver.execute_script("arguments[0].scrollIntoView()", listed)
        driver.save_screenshot(str(shots / "staff-materials-desktop.png"))
        # The download link, fetched with the staff session: the very bytes the citizen chose.
        link = listed.find_element(By.LINK_TEXT, "下载").get_attribute("href")
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
        with urllib.request.urlopen(urllib.request.Request(link, headers={"Cookie": cookie})) as response:
            body, disposition = response.read(), response.headers["Content-Disposition"]
        check(hashlib.sha256(body).hexdigest() == hashlib.sha256(PDF).hexdigest(), "staff download the file as uploaded")
        check("attachment" in disposition and "%E8%BA%AB%E4%BB%BD%E8%AF%81.pdf" in disposition, f"as an attachment under its name: {disposition}")
        with urllib.request.urlopen(urllib.request.Request(link)) as response:
            check("工作人员登录" in response.read().decode(), "without the session: the sign-in page, no file")
        steps = [e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, "details.step form[id^='step-']")]
        check("step-accept" in steps and "step-assign" in steps and "step-rate" not in steps, f"the line's staff steps: {steps}")

        def take(verb, values):
            driver.find_element(By.CSS_SELECTOR, f"#step-{verb}").find_element(By.XPATH, "..").find_element(By.TAG_NAME, "summary").click()
            form = driver.find_element(By.ID, f"step-{verb}")
            for name, value in values.items():
                element = form.find_element(By.NAME, name)
                element.clear()
                element.send_keys(value)
            submit(driver, form)
            return driver.find_element(By.ID, "step-notice").text

        notice = take("assign", {"provider_id": "lap-640100-1"})
        check("已办理" not in notice and notice != "", f"assigning before the decision is refused with the reason: {notice}")
        check("已办理" in take("accept", {}), "accepted")
        status = driver.find_element(By.ID, "status-label").text
        check(status == "已决定给予法律援助，待指派", f"the new status: {status}")
        check("已办理" in take("assign", {"provider_id": "lap-640100-1"}), "assigned")
        check("已办理" in take("conclude", {"outcome_summary": "经调解，用人单位支付全部欠薪"}), "concluded")
        driver.save_screenshot(str(shots / "staff-matter-desktop.png"))
        driver.get(base + "/staff")
        row = driver.find_element(By.XPATH, f"//table[@class='queue']//tr[td/a[text()='{number}']]")
        check("finished" in row.get_attribute("class") and "已结案" in row.text, f"the queue shows it concluded: {row.text}")
        # The dashboard (监管统计): the reviewer's line and city, charts drawn as SVG, today's intake live.
        navigate(driver, driver.find_element(By.LINK_TEXT, "监管统计"))
        check(len(driver.find_elements(By.CSS_SELECTOR, "svg.chart")) == 5, "five charts")
        WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "today-total").text.isdigit())
        check(int(driver.find_element(By.ID, "today-total").text) >= 1, "today's intake counts the application filed above")
        check(every_field_labelled(driver), "every dashboard filter has a label")
        driver.save_screenshot(str(shots / "dashboard-desktop.png"))
        driver.execute_script("document.getElementById('chart-trend').scrollIntoView()")
        driver.save_screenshot(str(shots / "dashboard-charts-desktop.png"))

        # A reviewer is no admin; the platform admin sees the module switches by division.
        driver.get(base + "/staff/admin")
        check(driver.find_element(By.TAG_NAME, "h1").text == "无权访问", "the admin console is for admins")
        driver.get(base + "/staff")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/staff/logout']"))
        fill(driver, {"login": "admin", "password": "Fawang@2026"})
        submit(driver)
        navigate(driver, driver.find_element(By.LINK_TEXT, "模块开关总览"))
        cell = driver.find_element(By.CSS_SELECTOR, "td[data-key='640104/legal-aid']")
        check(cell.text == "启用" and "on" in cell.get_attribute("class"), f"legal aid serves Xingqing: {cell.text}")
        driver.save_screenshot(str(shots / "admin-console-desktop.png"))

        # The questionnaire's summary, as the admin: the citizen's answer counted and charted.
        driver.get(base + "/staff/surveys")
        navigate(driver, driver.find_element(By.LINK_TEXT, "12348公共法律服务群众满意度调查"))
        check(int(driver.find_element(By.ID, "survey-count").text) >= 1, "the citizen's answer is counted")
        check(len(driver.find_elements(By.CSS_SELECTOR, ".chart-panel svg")) == 3, "a chart per choice and scale question")
        check("希望乡镇站点周末也能办理" in driver.find_element(By.ID, "result-4").text, "the text answers listed")
        driver.save_screenshot(str(shots / "survey-summary-desktop.png"))

        # Oversight (机构监管), as the admin: the demo office's licence alert, its file, an inspection
        # refused without its day to rectify (the reason shown, the findings kept), then recorded.
        driver.get(base + "/staff")
        navigate(driver, driver.find_element(By.LINK_TEXT, "机构监管"))
        alerts = driver.find_element(By.ID, "oversight-alerts").text
        check("执业许可即将到期" in alerts and "银川市第一公证处" in alerts, f"the demo licence alert: {alerts}")
        check(every_field_labelled(driver), "every oversight filter has a label")
        driver.save_screenshot(str(shots / "oversight-desktop.png"))
        navigate(driver, driver.find_element(By.PARTIAL_LINK_TEXT, "银川市第一公证处"))
        check(every_field_labelled(driver), "every field of the entry's forms has a label")

        def record_inspection(values):
            form = driver.find_element(By.ID, "form-inspection")
            for name, value in values.items():
                element = form.find_element(By.NAME, name)
                if element.tag_name == "select":
                    Select(element).select_by_value(value)
                else:
                    driver.execute_script("arguments[0].value = arguments[1]", element, value)
            submit(driver, form)

        beijing_today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
        findings = "公证书副本未按期归档"
        record_inspection({"kind": "special", "result": "rectify", "findings": findings})
        check("请填写整改期限" in driver.find_element(By.ID, "oversight-message").text, "the missing day to rectify is named")
        check(driver.find_element(By.ID, "i-findings").get_attribute("value") == findings, "the findings typed are kept")
        record_inspection({"rectify_by": (beijing_today + datetime.timedelta(days=30)).isoformat()})
        check(findings in driver.find_element(By.ID, "oversight-inspections").text, "the inspection is on the file")
        check("95 分" in driver.find_element(By.ID, "oversight-score").text, "a rectification takes 5 points off")
        driver.save_screenshot(str(shots / "oversight-entry-desktop.png"))

        # The 12348 desk: an agent's page open; a simulated call centre posts a call from the
        # applicant, who also has a consultation; as the agent answers, the card pops up both.
        asked = connect("fawang.consultation.v1.ConsultationService/RecordConsultation", {
            "requestId": "browser-desk-1", "person": {"name": "马小花", "phone": "13951001234"}, "regionCode": "640104",
            "topic": "TOPIC_LABOUR", "question": "老板拖欠工资怎么办？"})["matter"]["trackingNumber"]
        driver.get(base + "/staff")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/staff/logout']"))
        fill(driver, {"login": "hotline-640100", "password": "Fawang@2026"})
        submit(driver)
        driver.get(base + "/staff/desk")
        WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "desk-status").text == "已连接，等待来电")
        centre = connect("fawang.identity.v1.IdentityService/Login", {"login": "hotline-frontend", "password": "Fawang@2026"})["accessToken"]
        connect("fawang.hotline.v1.HotlineService/ReportCallEvent", {
            "callId": "browser-call-1", "kind": "CALL_EVENT_KIND_OFFERED", "callerNumber": "13951001234", "line": "12348-1",
            "regionCode": "640104"}, centre)
        WebDriverWait(driver, 20).until(lambda d: "13951001234" in d.find_element(By.ID, "ringing").text)
        connect("fawang.hotline.v1.HotlineService/ReportCallEvent", {
            "callId": "browser-call-1", "kind": "CALL_EVENT_KIND_ANSWERED", "callerNumber": "13951001234",
            "agent": "staff-640100-hotline"}, centre)
        WebDriverWait(driver, 20).until(lambda d: asked in d.find_element(By.ID, "caller-card").text)
        card = driver.find_element(By.ID, "caller-card").text
        check(number in card and asked in card, f"the caller's two matters pop up: {card[:200]}")
        check(driver.find_element(By.ID, "f-dcall").get_attribute("value") == "browser-call-1", "the outcome form names the call")
        driver.save_screenshot(str(shots / "hotline-desk-desktop.png"))
        driver.get(base + "/staff")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/staff/logout']"))
        fill(driver, {"login": "admin", "password": "Fawang@2026"})
        submit(driver)

        # The citizen sees the outcome and rates it.
        driver.get(base + "/progress")
        fill(driver, {"tracking_number": number, "phone_last4": "1234"})
        submit(driver)
        check(driver.find_element(By.ID, "status-label").text == "已结案", "the citizen sees the matter concluded")
        rating = driver.find_element(By.ID, "rating-form")
        rating.find_element(By.NAME, "score").send_keys("5")
        rating.find_element(By.NAME, "comment").send_keys("很满意")
        submit(driver, rating)
        check(driver.find_element(By.CSS_SELECTOR, ".alert").text == "感谢您的评价", "the rating is recorded")
        check("评价" in driver.find_element(By.CSS_SELECTOR, ".timeline").text, "and shows in the timeline")
        driver.save_screenshot(str(shots / "progress-rated-desktop.png"))
        check(driver.find_elements(By.ID, "rating-form") == [], "a rated matter offers no second rating")
        # The provider's credit record in the directory counts the matter and its rating.
        driver.get(base + "/directory/entry?id=legal_aid_provider/lap-640100-1")
        credit = driver.find_element(By.ID, "credit").text
        check("办理事项" in credit and "群众满意度" in credit and "件评价" in credit, f"the provider's credit record: {credit}")
        driver.get(base + "/progress")

        fill(driver, {"tracking_number": number, "phone_last4": "9999"})
        submit(driver)
        check(driver.find_elements(By.CSS_SELECTOR, "#current-progress") == [], "a wrong phone shows nothing of the matter")
        check(driver.find_element(By.CSS_SELECTOR, ".alert").text != "", "and says why")

        # 适老化: the large-text mode enlarges the text and is remembered.
        size = driver.execute_script("return parseFloat(getComputedStyle(document.documentElement).fontSize)")
        driver.find_element(By.ID, "large-text").click()
        larger = driver.execute_script("return parseFloat(getComputedStyle(document.documentElement).fontSize)")
        check(larger > size, f"large text: {size} → {larger}")
        driver.get(base + "/")
        check("large" in driver.find_element(By.TAG_NAME, "html").get_attribute("class"), "the mode is remembered")
        driver.save_screenshot(str(shots / "home-large-text-desktop.png"))
        driver.find_element(By.ID, "large-text").click()

        # A form posted without its CSRF cookie is refused.
        driver.get(base + "/apply/legal-aid/submit")
        driver.delete_cookie("fawang_csrf")
        submit(driver)
        check(driver.find_element(By.TAG_NAME, "h1").text == "页面已过期", "no CSRF cookie, no submission")
        # The web app: installable (manifest, icons) with a service worker; offline, the progress
        # page still opens and shows the last report viewed on this device.
        manifest = driver.execute_async_script(
            "var done = arguments[0]; fetch('/manifest.webmanifest').then(r => r.json()).then(done, () => done(null));")
        check(manifest and manifest["name"] == "12348宁夏法网" and len(manifest["icons"]) == 2, f"the manifest: {manifest}")
        scope = driver.execute_async_script(
            "var done = arguments[0]; navigator.serviceWorker.ready.then(r => done(r.scope), () => done(null));")
        check(scope == base + "/", f"the service worker controls the portal: {scope}")
        driver.get(base + "/progress")
        driver.get(base + "/progress")  # now through the worker, which cached the shell
        driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
        try:
            driver.get(base + "/progress")
            last = driver.find_element(By.ID, "last-progress")
            check(last.is_displayed() and number in last.text and "离线" in last.text, f"offline, the last report: {last.text[:120]}")
            driver.save_screenshot(str(shots / "progress-offline-desktop.png"))
        finally:
            driver.set_network_conditions(offline=False, latency=0, download_throughput=-1, upload_throughput=-1)
    finally:
        driver.quit()

    phone = browser(375, 812, phone=True)
    try:
        phone.get(base + "/")
        check(phone.execute_script("return window.innerWidth") == 375, "the phone's viewport is 375 px wide")
        for name, path in [("home", "/"), ("apply-legal-aid", "/apply/legal-aid/submit"), ("progress", "/progress"),
                           ("law-search", "/laws?q=%E8%B0%83%E8%A7%A3"), ("guide", "/guide?q=%E6%AC%A0%E8%96%AA"),
                           ("directory", "/directory"), ("publicity", "/publicity"), ("disclosure", "/disclosure"),
                           ("appointments", "/appointments?region=640104")]:
            phone.get(base + path)
            check(no_horizontal_scroll(phone), f"{path} fits a 375 px screen")
            check("操作过于频繁" not in phone.page_source, f"{path} is not refused by the rate limit")
            check(phone.execute_script("return document.querySelector('nav.main a').getBoundingClientRect().height < 40"),
                  f"{path}: the menu's labels stay on one line")
            phone.save_screenshot(str(shots / f"{name}-375.png"))
        phone.get(base + "/progress")
        fill(phone, {"tracking_number": number, "phone_last4": "1234"})
        submit(phone)
        check(no_horizontal_scroll(phone), "the progress report fits a 375 px screen")
        phone.save_screenshot(str(shots / "progress-report-375.png"))
    finally:
        phone.quit()

    print(f"portal browser: {checks.count} checks passed")
    print(number)


if __name__ == "__main__":
    main()
