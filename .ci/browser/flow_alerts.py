"""Alert rules: a bad condition shows the server's error as you type; a
good one previews over the last 24 hours, saves and test-sends with a
result per channel."""
import re

from playwright.sync_api import expect


def rule_editor(run):
    page = run.page
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", name="Alerts", level=1)).to_be_visible()
    expect(page.get_by_text("No alert rules yet.")).to_be_visible()
    page.get_by_role("button", name="New rule").click()
    editor = page.get_by_role("region", name="New alert rule")
    expect(editor).to_be_visible()
    assert "edit=new" in page.url
    editor.get_by_label("Rule name").fill("Payment errors <i>")
    # A bad condition: the server's message (with its position) shows as you type.
    run.allow("/alerts/rules/preview", 400)
    condition = editor.get_by_label("Condition")
    condition.fill("error_count >> 3")
    problem = editor.get_by_role("alert").filter(has_text=re.compile(r"at character \d+"))
    expect(problem).to_be_visible(timeout=10000)
    # Tied to the field, as a screen reader reads it.
    expect(condition).to_have_attribute("aria-invalid", "true")
    expect(condition).to_have_accessible_description(re.compile(r"at character \d+"))
    run.shot("alerts-bad-condition")
    condition.fill("error_count >= 1")
    expect(problem).to_have_count(0, timeout=10000)
    expect(condition).not_to_have_attribute("aria-invalid", "true")
    status = editor.get_by_role("status").filter(has_text="The condition is valid.")
    expect(status).to_be_visible(timeout=10000)
    assert re.search(r"It would have fired \d+ times? in the last 24 hours", status.inner_text()), status.inner_text()
    expect(editor.get_by_role("img", name=re.compile(r"^Rule value over the last 24 hours"))).to_be_visible()
    editor.get_by_label("Channels").fill("email\nemail:ops@example.com")
    editor.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("status").filter(has_text="Rule Payment errors <i> created.")).to_be_visible()
    rules = run.api("GET", f"/projects/{run.project}/alerts/rules")
    assert [(r["name"], r["condition"], r["channels"]) for r in rules] == \
        [("Payment errors <i>", "error_count >= 1", ["email", "email:ops@example.com"])], rules
    table = page.get_by_role("region", name="Rules").get_by_role("table")
    expect(table.get_by_role("rowheader", name="Payment errors <i>")).to_be_visible()
    editor = page.get_by_role("region", name="Edit rule Payment errors <i>")
    expect(editor).to_be_visible()
    # Test send: one result per channel (no SMTP here: failures with a reason).
    editor.get_by_role("button", name="Send test").click()
    results = editor.get_by_role("status").filter(has_text="Test results")
    expect(results).to_be_visible(timeout=10000)
    items = results.get_by_role("listitem")
    expect(items).to_have_count(2)
    texts = items.all_inner_texts()
    assert texts[0].startswith("email:") and texts[1].startswith("email:ops@example.com:"), texts
    run.shot("alerts")


FLOWS = [
    ("an alert rule: bad condition errors, good one previews, saves, test-sends", rule_editor),
]
