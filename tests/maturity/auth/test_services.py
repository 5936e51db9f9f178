"""Users, passwords, the login rate limit, login sessions and what each role may see."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.auth.models import LoginFailure, Role, RoleAssignment, User, UserSession
from maturity.auth.services import (
    LoginRateLimited,
    RoleSpec,
    authenticate,
    check_login_rate,
    create_user,
    end_session,
    load_user,
    login_failure_keys,
    record_login_failure,
    scope_for,
    start_session,
    user_for_session,
    verify_password,
)
from maturity.db import utcnow
from maturity.errors import InvalidInput, Problem
from maturity.units.services import visible_units
from tests.factories import PASSWORD, Org, make_user

WINDOW = 900
IDLE = 3600
STAFF = [RoleSpec(Role.STAFF)]


def count(session: Session, model: type) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def refused(session: Session, **fields: object) -> list[Problem]:
    """The problems with a new user, after checking that nothing was written."""
    before = (count(session, User), count(session, RoleAssignment))
    arguments: dict[str, object] = {
        "email": "new@example.org",
        "name": "New Person",
        "password": PASSWORD,
        "home_unit_code": "DEP-A1",
        "roles": STAFF,
    }
    arguments.update(fields)
    with pytest.raises(InvalidInput) as caught:
        create_user(session, **arguments)  # type: ignore[arg-type]
    assert (count(session, User), count(session, RoleAssignment)) == before
    return caught.value.problems


class TestCreateUser:
    def test_it_stores_a_lower_case_address_and_an_argon2id_hash_never_the_password(
        self, session: Session, org: Org
    ) -> None:
        user = make_user(session, "  Kari.Nordmann@Example.ORG ", home="DEP-A2")
        session.commit()

        stored = session.execute(select(User).where(col(User.id) == user.id)).scalars().one()
        assert stored.email == "kari.nordmann@example.org"
        assert stored.home_unit_id == org["DEP-A2"].id
        assert stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
        assert verify_password(stored.password_hash, PASSWORD)
        assert not verify_password(stored.password_hash, PASSWORD + "!")

    def test_the_same_password_hashes_differently_for_two_users(self, session: Session, org: Org) -> None:
        first = make_user(session, "one@example.org")
        second = make_user(session, "two@example.org")
        assert first.password_hash != second.password_hash  # salted

    def test_a_leader_role_names_its_unit(self, session: Session, org: Org) -> None:
        user = make_user(session, "leder@example.org", leader_of=("FAC-A", "DEP-B1"))
        session.commit()
        loaded = load_user(session, user.id or 0)
        assert loaded is not None
        assert loaded.has_role(Role.LEADER)
        assert loaded.has_role(Role.STAFF)
        assert not loaded.has_role(Role.STRATEGY_OFFICE)
        assert loaded.led_unit_ids == {org["FAC-A"].id, org["DEP-B1"].id}

    def test_a_role_named_twice_is_held_once(self, session: Session, org: Org) -> None:
        user = create_user(
            session,
            email="twice@example.org",
            name="Twice",
            password=PASSWORD,
            home_unit_code="FAC-A",
            roles=[RoleSpec(Role.STAFF), RoleSpec(Role.LEADER, "FAC-A"), RoleSpec(Role.LEADER, "FAC-A")],
        )
        session.commit()
        roles = session.execute(select(RoleAssignment).where(col(RoleAssignment.user_id) == user.id)).scalars()
        assert sorted(r.role for r in roles) == ["leader", "staff"]

    def test_a_user_without_a_password_cannot_log_in_with_one(self, session: Session, org: Org) -> None:
        user = create_user(
            session, email="sso@example.org", name="Sso", password=None, home_unit_code=None, roles=STAFF
        )
        session.commit()
        assert user.password_hash is None
        assert authenticate(session, "sso@example.org", "", client="c", max_failures=5, window_seconds=WINDOW) is None

    @pytest.mark.parametrize(
        "email", ["not-an-address", "kari@localhost", "kari nordmann@example.org", "@example.org", "kari@", ""]
    )
    def test_it_refuses_what_is_not_an_email_address(self, session: Session, org: Org, email: str) -> None:
        [problem] = refused(session, email=email)
        assert problem.message == "%(value)s is not an e-mail address."
        assert (problem.path, problem.value) == ("email", email.strip().lower())

    def test_it_refuses_an_address_that_exists_in_any_case(
        self, session: Session, org: Org, people: dict[str, User]
    ) -> None:
        [problem] = refused(session, email="STAFF@Example.org")
        assert problem.message == "A user with e-mail %(value)s already exists."
        assert (problem.path, problem.value) == ("email", "staff@example.org")

    def test_it_refuses_a_short_password(self, session: Session, org: Org) -> None:
        [problem] = refused(session, password="123456789")
        assert problem.message == "The password must be at least %(n)s characters long."
        assert (problem.path, problem.params) == ("password", {"n": 10})

    def test_it_refuses_unknown_units(self, session: Session, org: Org) -> None:
        problems = refused(session, home_unit_code="NOPE", roles=[*STAFF, RoleSpec(Role.LEADER, "GONE")])
        assert [(p.message, p.value) for p in problems] == [
            ("Unknown unit %(value)s.", "GONE"),
            ("Unknown unit %(value)s.", "NOPE"),
        ]

    @pytest.mark.parametrize(
        "role", [RoleSpec(Role.LEADER), RoleSpec(Role.STAFF, "FAC-A"), RoleSpec(Role.STRATEGY_OFFICE, "UNI")]
    )
    def test_only_a_leader_role_has_a_unit_and_it_must(self, session: Session, org: Org, role: RoleSpec) -> None:
        [problem] = refused(session, roles=[role])
        assert problem.message == "A leader role needs a unit, and only a leader role has one."
        assert problem.path == "roles"

    def test_it_refuses_an_unknown_language(self, session: Session, org: Org) -> None:
        [problem] = refused(session, locale="de")
        assert (problem.path, problem.value) == ("locale", "de")

    def test_it_reports_every_problem_at_once(self, session: Session, org: Org) -> None:
        problems = refused(
            session,
            email="nobody",
            name="  ",
            password="short",
            home_unit_code="NOPE",
            roles=[RoleSpec(Role.LEADER)],
            locale="sv",
        )
        assert sorted(p.path or "" for p in problems) == ["email", "locale", "name", "password", "roles", "unit"]


class TestAuthenticate:
    def authenticate(self, session: Session, email: str, password: str, client: str = "10.0.0.1") -> User | None:
        return authenticate(session, email, password, client=client, max_failures=5, window_seconds=WINDOW)

    def test_the_right_password_gives_the_user(self, session: Session, people: dict[str, User]) -> None:
        user = self.authenticate(session, " Staff@Example.org", PASSWORD)
        assert user is not None
        assert user.id == people["staff"].id

    @pytest.mark.parametrize(
        ("email", "password"),
        [
            ("staff@example.org", "wrong password"),
            ("staff@example.org", ""),
            ("nobody@example.org", PASSWORD),
            ("", PASSWORD),
        ],
    )
    def test_anything_else_gives_nobody(
        self, session: Session, people: dict[str, User], email: str, password: str
    ) -> None:
        assert self.authenticate(session, email, password) is None

    def test_an_inactive_user_gives_nobody(self, session: Session, people: dict[str, User]) -> None:
        session.get_one(User, people["staff"].id).is_active = False
        session.flush()
        assert self.authenticate(session, "staff@example.org", PASSWORD) is None

    def test_a_success_forgets_the_failures_of_that_address(self, session: Session, people: dict[str, User]) -> None:
        keys = login_failure_keys("staff@example.org", "10.0.0.1")
        record_login_failure(session, keys, window_seconds=WINDOW)
        assert self.authenticate(session, "staff@example.org", PASSWORD) is not None
        assert session.execute(select(col(LoginFailure.key))).scalars().all() == [keys[1]]  # the client's one stays


class TestLoginRateLimit:
    KEYS = login_failure_keys("Staff@Example.org ", "10.0.0.1")

    def fail(self, session: Session, times: int, keys: list[str] | None = None) -> None:
        for _ in range(times):
            record_login_failure(session, keys or self.KEYS, window_seconds=WINDOW)

    def check(self, session: Session, keys: list[str] | None = None) -> None:
        check_login_rate(session, keys or self.KEYS, max_failures=5, window_seconds=WINDOW)

    def test_the_keys_are_the_address_in_lower_case_and_the_client(self) -> None:
        assert self.KEYS == ["email:staff@example.org", "client:10.0.0.1"]

    def test_it_allows_fewer_failures_than_the_limit(self, session: Session) -> None:
        self.fail(session, 4)
        self.check(session)  # does not raise

    def test_it_refuses_at_the_limit(self, session: Session) -> None:
        self.fail(session, 5)
        with pytest.raises(LoginRateLimited):
            self.check(session)

    def test_either_key_alone_trips_it(self, session: Session) -> None:
        for i in range(5):
            self.fail(session, 1, login_failure_keys(f"guess{i}@example.org", "10.0.0.1"))
        with pytest.raises(LoginRateLimited):
            self.check(session, login_failure_keys("someone.else@example.org", "10.0.0.1"))
        self.check(session, login_failure_keys("someone.else@example.org", "10.0.0.2"))

    def test_failures_older_than_the_window_do_not_count_and_are_cleared(self, session: Session) -> None:
        old = utcnow() - timedelta(seconds=WINDOW + 60)
        session.add_all(LoginFailure(key=self.KEYS[0], at=old) for _ in range(10))
        session.flush()
        self.check(session)  # ten old failures: no limit

        self.fail(session, 4)
        self.check(session)
        assert count(session, LoginFailure) == 8  # the old ones were cleared by the new failures

        self.fail(session, 1)
        with pytest.raises(LoginRateLimited):
            self.check(session)

    def test_authenticate_refuses_even_the_right_password_when_limited(
        self, session: Session, people: dict[str, User]
    ) -> None:
        self.fail(session, 5)
        with pytest.raises(LoginRateLimited):
            authenticate(
                session, "staff@example.org", PASSWORD, client="10.0.0.1", max_failures=5, window_seconds=WINDOW
            )


class TestLoginSessions:
    def stored(self, session: Session) -> list[UserSession]:
        return list(session.execute(select(UserSession)).scalars())

    def test_a_new_session_finds_its_user_and_stores_only_the_token_hash(
        self, session: Session, people: dict[str, User]
    ) -> None:
        token = start_session(session, people["staff"], idle_seconds=IDLE)
        user = user_for_session(session, token, idle_seconds=IDLE)
        assert user is not None
        assert user.id == people["staff"].id
        [record] = self.stored(session)
        assert record.id == hashlib.sha256(token.encode()).hexdigest()
        assert token not in record.id
        assert len(token) >= 40  # 32 random bytes

    def test_an_unknown_token_finds_nobody(self, session: Session, people: dict[str, User]) -> None:
        start_session(session, people["staff"], idle_seconds=IDLE)
        assert user_for_session(session, "made-up", idle_seconds=IDLE) is None

    def test_an_ended_session_finds_nobody(self, session: Session, people: dict[str, User]) -> None:
        token = start_session(session, people["staff"], idle_seconds=IDLE)
        end_session(session, token)
        assert user_for_session(session, token, idle_seconds=IDLE) is None
        assert self.stored(session) == []

    def test_an_expired_session_finds_nobody(self, session: Session, people: dict[str, User]) -> None:
        token = start_session(session, people["staff"], idle_seconds=IDLE)
        [record] = self.stored(session)
        record.expires_at = utcnow() - timedelta(seconds=1)
        session.flush()
        assert user_for_session(session, token, idle_seconds=IDLE) is None

    def test_the_session_of_a_deactivated_user_finds_nobody(self, session: Session, people: dict[str, User]) -> None:
        token = start_session(session, people["staff"], idle_seconds=IDLE)
        session.get_one(User, people["staff"].id).is_active = False
        session.flush()
        assert user_for_session(session, token, idle_seconds=IDLE) is None

    def test_rotation_drops_the_previous_session(self, session: Session, people: dict[str, User]) -> None:
        first = start_session(session, people["staff"], idle_seconds=IDLE)
        second = start_session(session, people["staff"], idle_seconds=IDLE, previous_token=first)
        assert first != second
        assert user_for_session(session, first, idle_seconds=IDLE) is None
        assert user_for_session(session, second, idle_seconds=IDLE) is not None
        assert len(self.stored(session)) == 1

    def test_other_devices_keep_their_sessions_but_expired_ones_are_swept(
        self, session: Session, people: dict[str, User]
    ) -> None:
        laptop = start_session(session, people["staff"], idle_seconds=IDLE)
        stale = start_session(session, people["staff"], idle_seconds=IDLE)
        stale_record = session.get_one(UserSession, hashlib.sha256(stale.encode()).hexdigest())
        stale_record.expires_at = utcnow() - timedelta(hours=1)
        session.flush()

        phone = start_session(session, people["staff"], idle_seconds=IDLE)

        assert user_for_session(session, laptop, idle_seconds=IDLE) is not None
        assert user_for_session(session, phone, idle_seconds=IDLE) is not None
        assert len(self.stored(session)) == 2  # the expired one is gone

    def test_use_after_a_while_extends_the_idle_timeout(self, session: Session, people: dict[str, User]) -> None:
        token = start_session(session, people["staff"], idle_seconds=IDLE)
        [record] = self.stored(session)
        record.last_seen_at = utcnow() - timedelta(minutes=10)
        record.expires_at = utcnow() + timedelta(minutes=1)
        session.flush()

        assert user_for_session(session, token, idle_seconds=IDLE) is not None

        assert record.expires_at > utcnow() + timedelta(seconds=IDLE - 60)
        assert record.last_seen_at > utcnow() - timedelta(minutes=1)

    def test_use_within_minutes_does_not_write(self, session: Session, people: dict[str, User]) -> None:
        token = start_session(session, people["staff"], idle_seconds=IDLE)
        [record] = self.stored(session)
        expires = record.expires_at
        record.last_seen_at = utcnow() - timedelta(minutes=1)
        session.flush()

        assert user_for_session(session, token, idle_seconds=IDLE) is not None

        assert record.expires_at == expires
        assert not session.dirty


class TestScopeFor:
    def codes(self, session: Session, user: User) -> set[str]:
        return {u.code for u in visible_units(session, scope_for(user))}

    def test_the_strategy_office_sees_everything(self, session: Session, org: Org, people: dict[str, User]) -> None:
        scope = scope_for(people["office"])
        assert scope.everything
        assert self.codes(session, people["office"]) == set(org.units)

    def test_a_leader_sees_the_led_subtree_not_the_home_unit(
        self, session: Session, org: Org, people: dict[str, User]
    ) -> None:
        assert self.codes(session, people["leader"]) == {"FAC-A", "DEP-A1", "DEP-A2", "SEC-A2X"}

    def test_a_leader_of_several_units_sees_all_their_subtrees(self, session: Session, org: Org) -> None:
        user = make_user(session, "two.hats@example.org", home="UNI", leader_of=("DEP-A2", "FAC-B"))
        assert self.codes(session, user) == {"DEP-A2", "SEC-A2X", "FAC-B", "DEP-B1"}

    def test_staff_see_their_home_unit_only(self, session: Session, org: Org, people: dict[str, User]) -> None:
        assert self.codes(session, people["staff"]) == {"DEP-A1"}

    def test_staff_of_a_unit_with_children_see_only_that_unit_not_the_units_below(
        self, session: Session, org: Org
    ) -> None:
        user = make_user(session, "fac.staff@example.org", home="FAC-B")
        assert self.codes(session, user) == {"FAC-B"}

    def test_a_leader_sees_the_led_subtrees_instead_of_the_home_unit(self, session: Session, org: Org) -> None:
        user = make_user(session, "elsewhere@example.org", home="DEP-A1", leader_of=("FAC-B",))
        assert self.codes(session, user) == {"FAC-B", "DEP-B1"}

    def test_a_user_without_home_unit_or_roles_sees_nothing(self, session: Session, org: Org) -> None:
        user = make_user(session, "nowhere@example.org", home=None)
        assert not scope_for(user).everything
        assert self.codes(session, user) == set()
