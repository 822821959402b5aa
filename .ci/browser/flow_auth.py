"""Register → sign in → enable 2FA (QR code, recovery codes shown once) →
sign out → sign in with a TOTP code."""
import re

from playwright.sync_api import expect

from harness import totp

EMAIL, PASSWORD = "ada@example.com", "correct horse battery"


def sign_in_form(page):
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def register_and_sign_in(run):
    page = run.page
    run.goto("/register")
    expect(page.get_by_role("heading", name="Create an account", level=1)).to_be_visible()
    run.shot("register")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r".*/login.*"), timeout=10000)
    expect(page.get_by_role("status").filter(has_text="Account created")).to_be_visible()
    run.shot("login")
    sign_in_form(page)
    page.wait_for_url(re.compile(r".*/projects$"), timeout=10000)
    expect(page.get_by_role("heading", name="Projects", level=1)).to_be_visible()
    run.jwt = page.evaluate("() => sessionStorage.getItem('orion.session')")
    assert run.jwt and run.jwt.count(".") == 2, "the JWT is in sessionStorage"
    assert "eyJ" not in page.url, "the JWT is never in the URL"
    assert page.evaluate("() => Object.values(localStorage).some(v => v.includes('eyJ'))") is False, \
        "the JWT is never in localStorage"


def enable_2fa(run):
    page = run.page
    page.get_by_role("link", name="Account security").click()
    expect(page.get_by_role("heading", name="Two-factor authentication", level=1)).to_be_visible()
    page.get_by_role("button", name="Set up two-factor authentication").click()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code is a decodable image"
    # The key the page offers to type by hand (the same as the QR code's).
    key = page.get_by_text("Can't scan it?").locator("code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]+=*", key), f"a base32 secret: {key!r}"
    run.totp_secret = key
    run.shot("twofa-setup")
    page.get_by_label("Authentication code").fill(totp(key))
    page.get_by_role("button", name="Enable two-factor authentication").click()
    codes = page.get_by_role("region", name="Recovery codes")
    expect(codes).to_be_visible()
    items = codes.get_by_role("listitem").all_inner_texts()
    assert len(items) == 10, f"10 recovery codes, got {items}"
    run.recovery_codes = items
    run.shot("twofa-recovery-codes")
    page.get_by_role("button", name="I have saved them").click()
    on = page.get_by_text(re.compile(r"^Two-factor authentication is on for "))
    expect(on).to_be_visible()
    # Shown once: a reload shows the state, never the codes again.
    page.reload()
    expect(on).to_be_visible()
    assert not any(c in page.content() for c in items), "recovery codes are shown only once"
    assert run.api("GET", "/auth/me")["twoFactorEnabled"] is True


def sign_out_and_in_with_code(run):
    page = run.page
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/login.*"), timeout=10000)
    assert page.evaluate("() => sessionStorage.getItem('orion.session')") is None, "sign-out clears the JWT"
    # The old JWT is not usable by the page any more (it was forgotten).
    sign_in_form(page)
    expect(page.get_by_role("heading", name="Two-factor authentication", level=1)).to_be_visible()
    run.shot("login-2fa")
    # A wrong code first: the error is shown, the step stays.
    run.allow("/auth/2fa/verify", 401)
    page.get_by_label("Authentication code").fill("000000" if totp(run.totp_secret, 1) != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_be_visible()
    # The enable call used this step's code (codes are single-use): the next
    # step's code is within the accepted ±1 window.
    page.get_by_label("Authentication code").fill(totp(run.totp_secret, 1))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r".*/projects$"), timeout=10000)
    run.jwt = page.evaluate("() => sessionStorage.getItem('orion.session')")
    assert run.jwt, "signed in again"
    assert run.api("GET", "/auth/me")["email"] == EMAIL


def disable_2fa_with_recovery_code(run):
    page = run.page
    page.get_by_role("link", name="Account security").click()
    expect(page.get_by_text(re.compile(r"^Two-factor authentication is on for "))).to_be_visible()
    page.get_by_label("Authentication code").fill(run.recovery_codes[0])
    page.get_by_role("button", name="Disable two-factor authentication").click()
    expect(page.get_by_role("status").filter(has_text="Two-factor authentication is off.")).to_be_visible()
    assert run.api("GET", "/auth/me")["twoFactorEnabled"] is False
    run.shot("twofa-off")


FLOWS = [
    ("register and sign in", register_and_sign_in),
    ("enable 2FA (QR code, recovery codes once)", enable_2fa),
    ("sign out, sign in with a TOTP code", sign_out_and_in_with_code),
]

LAST = [
    ("disable 2FA with a recovery code", disable_2fa_with_recovery_code),
]
