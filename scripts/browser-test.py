#!/usr/bin/env python3
"""Drives the pgferry dashboard in headless Chromium (run by scripts/browser-test.sh).

Four scenarios: the full flow a person follows (token, test connection, data groups, start with
confirmation, live progress to complete, validate, reset), reopening the page while a run is in
progress (polling resumes and follows it to the end), cancelling a run from the page, and a run
that follows the source (its lag and counters live while the source takes writes) cut over from
the page. Prints "browser: N passed, M failed".
"""
import json
import os
import subprocess
import sys
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["PGFERRY_URL"]
TOKEN = os.environ["PGFERRY_TOKEN"]
TARGET_PORT = os.environ["PGFERRY_TARGET_PORT"]
TARGET_DB = os.environ["PGFERRY_TARGET_DB"]
SOURCE_PORT = os.environ["PGFERRY_SOURCE_PORT"]
SOURCE_DB = os.environ["PGFERRY_SOURCE_DB"]
SHOTS = os.environ.get("PGFERRY_SHOTS", ".")
TABLES = 20


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,2200"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)


def api(method, path, body=None):
    request = urllib.request.Request(URL + "/api/v1/migration/" + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def visible(driver, element_id):
    return driver.find_element(By.ID, element_id).is_displayed()


def wait_for(driver, condition, timeout=60, message=""):
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition, message)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def full_flow(driver):
    driver.get(URL + "/")
    # The API answers 401 without a token: the page asks for one.
    wait_for(driver, lambda d: visible(d, "auth-panel"), 10, "the token prompt did not appear")
    driver.find_element(By.ID, "token-input").send_keys(TOKEN)
    driver.find_element(By.ID, "token-save").click()
    wait_for(driver, lambda d: not visible(d, "auth-panel"), 10, "the token was not accepted")
    check(driver.execute_script("return sessionStorage.getItem('pgferry.adminToken')") == TOKEN,
          "the token is not in sessionStorage")
    check(text(driver, "header-status") == "idle", "expected idle at first, got " + text(driver, "header-status"))

    for field, value in (("host", "127.0.0.1"), ("database", TARGET_DB), ("user", "postgres")):
        driver.find_element(By.ID, field).send_keys(value)
    port = driver.find_element(By.ID, "port")
    port.clear()
    port.send_keys(TARGET_PORT)
    check(not driver.find_element(By.ID, "start-btn").is_enabled(), "Start is enabled before a connection test")

    driver.find_element(By.ID, "test-btn").click()
    wait_for(driver, lambda d: "Connection successful" in text(d, "test-result"), 20, "test connection did not succeed")
    check(text(driver, "test-version").startswith("PostgreSQL "), "no server version shown: " + text(driver, "test-version"))
    check(driver.find_element(By.ID, "start-btn").is_enabled(), "Start is not enabled after a successful test")

    # Skip the Traces group: its two tables are created empty.
    driver.find_element(By.ID, "group-traces").click()
    check("skipped" in text(driver, "group-box-traces"), "unchecked group does not say it is skipped")

    driver.find_element(By.ID, "start-btn").click()
    alert = wait_for(driver, EC.alert_is_present(), 5, "no confirmation dialog")
    check("Drop and recreate schema \"queen\"" in alert.text and "message_traces" in alert.text,
          "unexpected confirmation text: " + alert.text)
    alert.accept()

    wait_for(driver, lambda d: text(d, "run-status") in ("dumping", "restoring", "complete"), 20, "the run did not start")
    wait_for(driver, lambda d: text(d, "run-status") in ("complete", "error"), 180, "the run did not finish")
    check(text(driver, "run-status") == "complete",
          "run ended in " + text(driver, "run-status") + ": " + text(driver, "error-box"))
    check(text(driver, "current-step") == "Migration complete", "step: " + text(driver, "current-step"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#tables-body tr")
    check(len(rows) == TABLES, "expected %d table rows, got %d" % (TABLES, len(rows)))
    states = {row.get_attribute("data-table"): row.get_attribute("data-state") for row in rows}
    check(states["queen.message_traces"] == "skipped" and states["queen.message_trace_names"] == "skipped",
          "traces not skipped: %r" % states)
    check(all(state in ("done", "skipped") for state in states.values()), "unfinished tables: %r" % states)
    check(not visible(driver, "error-box"), "the error box is shown: " + text(driver, "error-box"))
    check(not visible(driver, "cancel-btn") and visible(driver, "reset-btn"), "Cancel/Reset visibility is wrong")

    driver.find_element(By.ID, "validate-btn").click()
    wait_for(driver, lambda d: visible(d, "validate-chip"), 60, "validation did not finish: " + text(driver, "validate-message"))
    check(text(driver, "validate-chip") == "All tables match", "chip: " + text(driver, "validate-chip"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#validate-body tr")
    check(len(rows) == TABLES, "expected %d validated tables, got %d" % (TABLES, len(rows)))
    skipped = [row.get_attribute("data-table") for row in rows if row.find_elements(By.TAG_NAME, "td")[3].text == "skipped"]
    check(sorted(skipped) == ["queen.message_trace_names", "queen.message_traces"], "skipped: %r" % skipped)
    driver.save_screenshot(os.path.join(SHOTS, "dashboard-complete.png"))

    driver.find_element(By.ID, "reset-btn").click()
    wait_for(driver, lambda d: text(d, "header-status") == "idle", 10, "reset did not return to idle")
    check(driver.find_element(By.ID, "start-btn").is_displayed(), "Start is hidden after reset")


def resumes_when_reopened(driver):
    # Hold a lock the run's snapshot waits for, so the run is in progress when the page opens.
    locker = subprocess.Popen(
        ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", SOURCE_PORT, "-U", "postgres", "-d", SOURCE_DB, "-c",
         "BEGIN; LOCK TABLE queen.queues IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); ROLLBACK;"],
        stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        status, body = api("POST", "start", {"host": "127.0.0.1", "port": TARGET_PORT, "database": TARGET_DB,
                                             "user": "postgres", "excludeTableData": ["messages_consumed"]})
        check(status == 202, "start answered %d %r" % (status, body))
        driver.get(URL + "/")  # same tab: the token is still in sessionStorage
        wait_for(driver, lambda d: text(d, "run-status") in ("dumping", "restoring"), 10, "the page did not show the running run")
        check(visible(driver, "cancel-btn") and visible(driver, "spinner"), "no Cancel button or spinner while running")
        check(not visible(driver, "auth-panel"), "the token prompt came back on reopening")
        check(not driver.find_element(By.ID, "group-consumption").is_selected(),
              "the reopened page does not show the run's skipped group")
        driver.save_screenshot(os.path.join(SHOTS, "dashboard-running.png"))
        # No reload from here on: only the page's own polling can show the end of the run.
        wait_for(driver, lambda d: text(d, "run-status") == "complete", 120, "polling did not follow the run to complete")
        skipped = [row.get_attribute("data-table") for row in driver.find_elements(By.CSS_SELECTOR, "#tables-body tr")
                   if row.get_attribute("data-state") == "skipped"]
        check(skipped == ["queen.messages_consumed"], "skipped: %r" % skipped)
    finally:
        locker.wait(timeout=30)
    status, body = api("POST", "reset")
    check(status == 200, "reset answered %d %r" % (status, body))


def plan_with_roles(driver):
    """Show plan against the form's target: with the roles box, the grantee the target lacks is named."""
    driver.find_element(By.ID, "test-btn").click()
    wait_for(driver, lambda d: "Connection successful" in text(d, "test-result"), 20, "test connection did not succeed")
    driver.find_element(By.ID, "roles").click()
    driver.find_element(By.ID, "all-schemas").click()
    try:
        driver.find_element(By.ID, "plan-btn").click()
        wait_for(driver, lambda d: text(d, "plan-box").startswith("Plan:"), 60, "no plan: " + text(driver, "plan-box"))
        plan = text(driver, "plan-box")
        check("queen" in plan.split("\n")[0] and "tables" in plan, "plan summary: " + plan)
        check("--roles: would create role pgferry_browser_reader" in plan, "the plan does not name the role: " + plan)
        check(psql_target("SELECT count(*) FROM pg_roles WHERE rolname = 'pgferry_browser_reader'") == "0",
              "the plan created the role")
    finally:
        driver.find_element(By.ID, "roles").click()
        driver.find_element(By.ID, "all-schemas").click()


def psql_source(sql):
    return subprocess.run(["psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p", SOURCE_PORT, "-U", "postgres", "-d", SOURCE_DB,
                           "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def cancel_from_the_page(driver):
    locker = subprocess.Popen(
        ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", SOURCE_PORT, "-U", "postgres", "-d", SOURCE_DB, "-c",
         "BEGIN; LOCK TABLE queen.queues IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20); ROLLBACK;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        status, body = api("POST", "start", {"host": "127.0.0.1", "port": TARGET_PORT, "database": TARGET_DB, "user": "postgres"})
        check(status == 202, "start answered %d %r" % (status, body))
        # Cancel once the run waits on the lock (a cancel before its first statement is lost by the engine today).
        deadline = time.time() + 30
        while psql_source("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgferry' AND wait_event_type = 'Lock'") == "0":
            check(time.time() < deadline, "the run never waited on the lock")
            time.sleep(0.1)
        driver.get(URL + "/")
        wait_for(driver, lambda d: visible(d, "cancel-btn"), 10, "no Cancel button while running")
        driver.find_element(By.ID, "cancel-btn").click()
        wait_for(driver, EC.alert_is_present(), 5, "no confirmation for cancel").accept()
        wait_for(driver, lambda d: text(d, "run-status") == "error", 30, "the run did not end after Cancel")
        check("cancelled" in text(driver, "error-box"), "error box: " + text(driver, "error-box"))
        check(visible(driver, "reset-btn") and not visible(driver, "cancel-btn"), "Reset/Cancel visibility after cancel")
        driver.find_element(By.ID, "reset-btn").click()
        wait_for(driver, lambda d: text(d, "header-status") == "idle", 10, "reset did not return to idle")
        check(not visible(driver, "error-box"), "the error box stayed after reset")
    finally:
        locker.terminate()
        locker.wait(timeout=30)


def psql_target(sql):
    return subprocess.run(["psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p", TARGET_PORT, "-U", "postgres", "-d", TARGET_DB,
                           "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def number(driver, element_id):
    return int(text(driver, element_id).replace(",", "") or "0")


def follow_and_cut_over(driver):
    driver.get(URL + "/")
    for field, value in (("host", "127.0.0.1"), ("database", TARGET_DB), ("user", "postgres")):
        driver.find_element(By.ID, field).send_keys(value)
    port = driver.find_element(By.ID, "port")
    port.clear()
    port.send_keys(TARGET_PORT)
    driver.find_element(By.ID, "test-btn").click()
    wait_for(driver, lambda d: "Connection successful" in text(d, "test-result"), 20, "test connection did not succeed")
    check(not visible(driver, "follow-panel"), "the follow panel is shown before a follow run")
    driver.find_element(By.ID, "follow").click()
    driver.find_element(By.ID, "start-btn").click()
    alert = wait_for(driver, EC.alert_is_present(), 5, "no confirmation dialog")
    check("until you cut over" in alert.text, "the confirmation does not mention following: " + alert.text)
    alert.accept()

    wait_for(driver, lambda d: visible(d, "follow-panel") and text(d, "follow-state") == "streaming", 180,
             "the page never showed the run streaming: " + text(driver, "error-box"))
    check(visible(driver, "cutover-btn") and driver.find_element(By.ID, "cutover-btn").is_enabled(),
          "no enabled Cut over button while streaming")
    check(text(driver, "follow-slot").startswith("pgferry_"), "slot: " + text(driver, "follow-slot"))
    check(text(driver, "follow-lag-bytes").endswith("B"), "lag not shown: " + text(driver, "follow-lag-bytes"))

    # Writes on the source after the copy: the page's counters follow them, only by polling.
    psql_source("SET synchronous_commit = on; INSERT INTO queen.queues (name) SELECT 'follow-' || g FROM generate_series(1, 25) g")
    psql_source("INSERT INTO queen.system_state (key, value) VALUES ('browser-follow', '{\"at\": \"streaming\"}')")
    wait_for(driver, lambda d: number(d, "follow-transactions") >= 2 and number(d, "follow-rows") >= 26, 60,
             "the applied counters did not reach the source's writes: %s transactions, %s rows"
             % (text(driver, "follow-transactions"), text(driver, "follow-rows")))
    check(text(driver, "follow-applied") not in ("", "–"), "no applied LSN shown")
    wait_for(driver, lambda d: text(d, "follow-retained").endswith("B"), 15,
             "the WAL kept by the slot is not shown: " + text(driver, "follow-retained"))
    # The lag in time is known once a transaction was applied.
    wait_for(driver, lambda d: text(d, "follow-lag-seconds").endswith(" s"), 10, "lag time not shown: " + text(driver, "follow-lag-seconds"))
    driver.save_screenshot(os.path.join(SHOTS, "dashboard-following.png"))

    # Reopened while following, the page picks the run up, its follow panel and its option.
    driver.get(URL + "/")
    wait_for(driver, lambda d: visible(d, "follow-panel") and text(d, "follow-state") == "streaming", 10,
             "the reopened page does not show the follow run")
    check(driver.find_element(By.ID, "follow").is_selected(), "the reopened page does not show the follow option chosen")
    wait_for(driver, lambda d: text(d, "follow-tps").endswith("/s)"), 10, "no apply rate after two polls")

    driver.find_element(By.ID, "cutover-btn").click()
    alert = wait_for(driver, EC.alert_is_present(), 5, "no confirmation for cut over")
    check("Stop the application's writes" in alert.text, "cut over confirmation: " + alert.text)
    alert.accept()
    wait_for(driver, lambda d: text(d, "run-status") in ("complete", "error"), 120, "the run did not end after Cut over")
    check(text(driver, "run-status") == "complete", "run ended in " + text(driver, "run-status") + ": " + text(driver, "error-box"))
    check(text(driver, "follow-state") == "done", "follow state after cutover: " + text(driver, "follow-state"))
    check("cut over at" in text(driver, "follow-end"), "no end position shown: " + text(driver, "follow-end"))
    check(text(driver, "follow-lag-bytes") == "–", "an ended run still shows a lag: " + text(driver, "follow-lag-bytes"))
    check(driver.find_element(By.ID, "follow").is_selected(), "the follow option is not shown as chosen")
    check(not visible(driver, "cutover-btn") and not visible(driver, "cancel-btn"), "Cut over/Cancel still shown after the end")
    check(psql_target("SELECT count(*) FROM queen.queues WHERE name LIKE 'follow-%'") == "25", "the followed inserts are not on the target")
    check(psql_target("SELECT value->>'at' FROM queen.system_state WHERE key = 'browser-follow'") == "streaming",
          "the followed insert is not on the target")
    driver.save_screenshot(os.path.join(SHOTS, "dashboard-cut-over.png"))
    status, body = api("POST", "reset")
    check(status == 200, "reset answered %d %r" % (status, body))


def main():
    passed = failed = 0
    driver = make_driver()
    try:
        for test in (full_flow, plan_with_roles, resumes_when_reopened, cancel_from_the_page, follow_and_cut_over):
            try:
                test(driver)
                passed += 1
                print("ok   %s" % test.__name__)
            except Exception:
                failed += 1
                print("FAIL %s" % test.__name__)
                traceback.print_exc()
                try:
                    driver.save_screenshot(os.path.join(SHOTS, "failure-%s.png" % test.__name__))
                except Exception:
                    pass
    finally:
        driver.quit()
    print("browser: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
