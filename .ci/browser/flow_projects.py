"""Projects and their settings: create a project, a source and an API token
through the screens (each value shown once); archive, restore and delete a
project (typed confirmation)."""
import re

from playwright.sync_api import expect

from harness import ApiError


def create_project(run):
    page = run.page
    run.goto("/projects")
    expect(page.get_by_text("No projects yet")).to_be_visible()
    run.shot("projects-empty")
    page.get_by_label("Project name").fill(run.project)
    page.get_by_label("Label").fill("Web shop")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("status").filter(has_text=f"Project {run.project} created.")).to_be_visible()
    table = page.get_by_role("table", name="Active projects")
    expect(table.get_by_role("link", name=run.project)).to_be_visible()
    run.shot("projects")
    table.get_by_role("link", name=run.project).click()
    page.wait_for_url(re.compile(rf".*/p/{run.project}/logs"), timeout=10000)
    expect(page.get_by_role("heading", name="Logs", level=1)).to_be_visible()


def create_source_and_token(run):
    page = run.page
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name=f"Settings of {run.project}", level=1)).to_be_visible()
    page.get_by_label("Source name").fill("checkout")
    page.get_by_label("Description", exact=True).fill("The checkout service")
    page.get_by_role("button", name="Create source").click()
    secret = page.get_by_role("region", name="Token of source checkout")
    expect(secret).to_be_visible()
    value = secret.locator("code").inner_text().strip()
    assert value.startswith("sk_"), f"a source token: {value!r}"
    expect(secret.get_by_role("button", name="Copy token")).to_be_visible()
    expect(page.get_by_role("table").filter(has_text="The checkout service").get_by_role("rowheader", name="checkout")).to_be_visible()
    run.source_token = value
    # The snippets use the token just created.
    expect(page.get_by_role("region", name="Start sending").get_by_text(value).first).to_be_visible()

    page.get_by_label("Token name").fill("reader")
    tokens = page.get_by_role("region", name="API tokens")
    tokens.get_by_role("checkbox", name="logs:read").check()
    tokens.get_by_role("checkbox", name="logs:write").check()
    tokens.get_by_role("button", name="Create token").click()
    shown = page.get_by_role("region", name="Token reader")
    expect(shown).to_be_visible()
    api_token = shown.locator("code").inner_text().strip()
    assert api_token.startswith("sk_api_"), api_token
    expect(tokens.get_by_role("rowheader", name="reader")).to_be_visible()
    run.api_token = api_token
    run.shot("settings")
    # The tokens work, and are never shown again.
    assert run.api("GET", f"/projects/{run.project}/logs", token=api_token)["total"] == 0
    page.reload()
    expect(tokens.get_by_role("rowheader", name="reader")).to_be_visible()
    html = page.content()
    assert value not in html and api_token not in html, "token values are shown only once"
    listed = run.api("GET", f"/projects/{run.project}/tokens")
    assert all("token" not in t for t in listed)


def archive_restore_delete(run):
    page = run.page
    run.api("POST", "/projects", body={"name": "scratch", "label": "Scratch"})
    run.goto("/projects")
    active = page.get_by_role("tabpanel", name="Active projects")
    page.get_by_role("button", name="Archive scratch").click()
    expect(page.get_by_role("status").filter(has_text="Project scratch archived.")).to_be_visible()
    expect(active.get_by_role("link", name="scratch")).to_have_count(0)
    assert [p["name"] for p in run.api("GET", "/projects?archived=true")] == ["scratch"]
    page.get_by_role("tab", name="Archived").click()
    archived = page.get_by_role("tabpanel", name="Archived projects")
    expect(archived.get_by_role("link", name="scratch")).to_be_visible()
    assert "tab=archived" in page.url, "the tab is in the URL"
    run.shot("projects-archived")
    page.get_by_role("button", name="Restore scratch").click()
    expect(page.get_by_role("status").filter(has_text="Project scratch restored.")).to_be_visible()
    expect(archived.get_by_role("link", name="scratch")).to_have_count(0)
    page.get_by_role("tab", name="Active").click()
    expect(page.get_by_role("tabpanel", name="Active projects").get_by_role("link", name="scratch")).to_be_visible()
    page.get_by_role("button", name="Delete scratch").click()
    dialog = page.get_by_role("region", name="Delete project scratch")
    expect(dialog).to_be_visible()
    confirm = dialog.get_by_role("button", name="Delete project")
    expect(confirm).to_be_disabled()
    dialog.get_by_label("Type the project name to confirm").fill("scratc")
    expect(confirm).to_be_disabled()
    dialog.get_by_label("Type the project name to confirm").fill("scratch")
    run.shot("projects-delete")
    confirm.click()
    expect(page.get_by_role("status").filter(has_text="Project scratch deleted.")).to_be_visible()
    names = [p["name"] for p in run.api("GET", "/projects?archived=all")]
    assert names == [run.project], names


def rotate_and_revoke_token(run):
    page = run.page
    run.goto(f"/p/{run.project}/settings")
    tokens = page.get_by_role("region", name="API tokens")
    old = run.api_token
    tokens.get_by_role("button", name="Rotate reader").click()
    shown = page.get_by_role("region", name="New value of token reader")
    expect(shown).to_be_visible()
    new = shown.locator("code").inner_text().strip()
    assert new.startswith("sk_api_") and new != old
    expect(tokens.get_by_role("status").filter(has_text="Token reader rotated")).to_have_text("Token reader rotated: the old value no longer works.")
    for value, works in ((old, False), (new, True)):
        try:
            run.api("GET", f"/projects/{run.project}/logs?limit=1", token=value)
            assert works, "the old value still works"
        except ApiError as e:
            assert not works and e.status == 401, e
    tokens.get_by_role("button", name="Revoke reader").click()
    tokens.get_by_role("button", name="Revoke reader now").click()
    expect(tokens.get_by_role("status").filter(has_text="revoked")).to_have_text("Token reader revoked.")
    expect(tokens.get_by_role("rowheader", name="reader")).to_have_count(0)
    try:
        run.api("GET", f"/projects/{run.project}/logs?limit=1", token=new)
        raise AssertionError("a revoked token still works")
    except ApiError as e:
        assert e.status == 401, e


def deep_link_and_not_found(run):
    page = run.page
    # A deep link is served the app (the server's shell for any path).
    run.goto(f"/p/{run.project}/logs?q=level%3Aerror")
    expect(page.get_by_role("combobox", name="Search logs")).to_have_value("level:error")
    run.goto("/no/such/page<b>")
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    expect(page.get_by_text("/no/such/page%3Cb%3E")).to_be_visible()
    run.shot("not-found")
    page.get_by_role("link", name="Go to your projects").click()
    expect(page.get_by_role("heading", name="Projects", level=1)).to_be_visible()


FIRST = [
    ("create a project", create_project),
    ("create a source and a token (values shown once)", create_source_and_token),
]
LAST = [
    ("archive, restore and delete a project", archive_restore_delete),
    ("rotate and revoke an API token", rotate_and_revoke_token),
    ("deep links, and the not-found screen", deep_link_and_not_found),
]
