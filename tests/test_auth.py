"""Signing in and out, changing one's password, and safe redirects."""

import pytest

from app.auth.views import safe_next
from app.extensions import db
from app.models import Role, User
from tests.factories import PASSWORD


def _sign_in(client, email, password, next_url=""):
    return client.post("/auth/login", data={"email": email, "password": password, "next": next_url})


def test_sign_in_with_the_right_password_goes_to_the_start_page(client, make):
    user = make.user(Role.COORDINATOR, email="karen@bygop.dk")
    response = _sign_in(client, "Karen@BygOp.dk ", PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert user.name in client.get("/").get_data(as_text=True)
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_a_wrong_password_is_refused_in_danish_beside_the_field(client, make):
    make.user(email="karen@bygop.dk")
    response = _sign_in(client, "karen@bygop.dk", "wrong password")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "E-mail eller adgangskode er forkert." in html
    assert 'aria-invalid="true"' in html
    assert client.get("/projects/").status_code == 302  # still signed out


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client, make):
    make.user(email="karen@bygop.dk")
    wrong = _sign_in(client, "karen@bygop.dk", "nope").get_data(as_text=True)
    unknown = _sign_in(client, "nobody@bygop.dk", "nope").get_data(as_text=True)
    assert wrong.replace("karen@bygop.dk", "X") == unknown.replace("nobody@bygop.dk", "X")


def test_an_empty_form_answers_422_with_messages(client):
    response = client.post("/auth/login", data={})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Skriv din e-mailadresse." in html
    assert "Skriv din adgangskode." in html


def test_a_disabled_user_cannot_sign_in(client, make):
    make.user(email="gone@bygop.dk", active=False)
    assert _sign_in(client, "gone@bygop.dk", PASSWORD).status_code == 401


def test_sign_in_follows_a_safe_next_address(client, make):
    make.user(email="k@bygop.dk")
    response = _sign_in(client, "k@bygop.dk", PASSWORD, "/projects/?phase=tender")
    assert response.headers["Location"] == "/projects/?phase=tender"


BAD_NEXT = [
    "//evil.example",
    "///evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "http://evil.example",
    "https://evil.example/projects/",
    "HTTPS://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http:///evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    " //evil.example",
    "\t//evil.example",
    "\n//evil.example",
    "\x00//evil.example",
    "\x0b//evil.example",
    "/\t/evil.example",
    "/\r\n/evil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%5Cevil.example",
    "/%2Fevil.example",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "\\t//evil.example",
    "ftp://evil.example/",
    "evil.example",
    "@evil.example",
    ".evil.example",
]
GOOD_NEXT = ["/", "/projects/?phase=tender", "/candidates/12", "/reports/placements.csv?project=3"]


@pytest.mark.parametrize("target", BAD_NEXT)
def test_sign_in_never_redirects_off_site(client, make, target):
    assert safe_next(target) is None
    make.user(email="k@bygop.dk")
    response = _sign_in(client, "k@bygop.dk", PASSWORD, target)
    if "\x00" in target:  # no field of ours holds a NUL byte: the request is refused whole
        assert response.status_code == 400
        return
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", BAD_NEXT)
def test_confirming_the_password_never_redirects_off_site(client, make, login, target):
    login(make.user())
    response = client.post("/auth/confirm", data={"password": PASSWORD, "next": target})
    if "\x00" in target:  # refused whole, like every request carrying a NUL byte
        assert response.status_code == 400
        return
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", GOOD_NEXT)
def test_paths_on_this_site_are_kept(target):
    assert safe_next(target) == target


def test_sign_out_ends_this_and_every_other_session(app, make):
    user = make.user(email="k@bygop.dk")
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        _sign_in(c, "k@bygop.dk", PASSWORD)
        assert c.get("/projects/").status_code == 200
    response = first.post("/auth/logout")
    assert response.status_code == 303
    assert first.get("/projects/").status_code == 302
    assert second.get("/projects/").status_code == 302
    assert user.email  # the account itself is untouched


def test_change_password_validates_in_danish(client, make, login):
    login(make.user())
    response = client.post(
        "/auth/password",
        data={"current_password": "wrong", "new_password": "short", "repeat_password": "other"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Den nuværende adgangskode er forkert." in html
    assert "mindst 10 tegn" in html
    assert "De to adgangskoder er ikke ens." in html


def test_change_password_keeps_this_session_and_ends_the_others(app, make):
    make.user(email="k@bygop.dk")
    mine, other = app.test_client(), app.test_client()
    for c in (mine, other):
        _sign_in(c, "k@bygop.dk", PASSWORD)
    new = "a much longer passphrase"
    response = mine.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": new, "repeat_password": new},
    )
    assert response.status_code == 303
    assert mine.get("/projects/").status_code == 200
    assert other.get("/projects/").status_code == 302
    mine.post("/auth/logout")
    assert _sign_in(mine, "k@bygop.dk", PASSWORD).status_code == 401
    assert _sign_in(mine, "k@bygop.dk", new).status_code == 303


def test_passwords_are_stored_hashed_with_scrypt(make):
    user = make.user()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


# --- timing: one password hash check per sign-in, whatever the account ------------------------


@pytest.fixture
def hash_checks(monkeypatch):
    """Spy on the password hash verification; records the hash each check ran against."""
    import app.models

    real = app.models.check_password_hash
    checked: list[str] = []

    def spy(pwhash, password):
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(app.models, "check_password_hash", spy)
    return checked


def _scrypt_parameters(pwhash: str) -> str:
    return pwhash.split("$", 1)[0]  # "scrypt:32768:8:1"


@pytest.mark.parametrize(
    ("case", "password", "status"),
    [
        ("active", PASSWORD, 303),
        ("active", "wrong password", 401),
        ("disabled", PASSWORD, 401),
        ("disabled", "wrong password", 401),
        ("unknown", PASSWORD, 401),
    ],
)
def test_every_sign_in_runs_exactly_one_hash_check(
    client, make, hash_checks, case, password, status
):
    """A disabled or unknown account costs the same as an active one: one scrypt check with the
    same parameters, so the answer's timing does not tell the accounts apart."""
    real = User(password_hash="")
    real.set_password("a new password of someone")
    make.user(email="active@bygop.dk")
    make.user(email="disabled@bygop.dk", active=False)
    response = _sign_in(client, f"{case}@bygop.dk", password)
    assert response.status_code == status
    assert len(hash_checks) == 1
    assert _scrypt_parameters(hash_checks[0]) == _scrypt_parameters(real.password_hash)


def test_sign_in_timing_bench(client, make, capsys):
    """Not an assertion on time (too noisy on a shared machine): prints the three cases."""
    import time

    make.user(email="active@bygop.dk")
    make.user(email="disabled@bygop.dk", active=False)
    for case in ("active", "disabled", "unknown"):
        started = time.perf_counter()
        _sign_in(client, f"{case}@bygop.dk", "wrong password")
        elapsed = 1000 * (time.perf_counter() - started)
        with capsys.disabled():
            print(f"\nsign-in, wrong password, {case}: {elapsed:.1f} ms")
