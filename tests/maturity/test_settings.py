"""Settings from MATURITY_* variables: safe defaults in production, and errors that name the variable."""

from pathlib import Path

import pytest

from maturity.settings import Settings, SettingsError, normalise_database_url

SECRET = "k" * 48


def from_env(**variables: str) -> Settings:
    return Settings.from_env({f"MATURITY_{name.upper()}": value for name, value in variables.items()})


class TestSecretKey:
    def test_production_without_a_secret_key_refuses_to_start_and_names_the_variable(self) -> None:
        with pytest.raises(SettingsError, match="MATURITY_SECRET_KEY is not set"):
            from_env()
        with pytest.raises(SettingsError, match="MATURITY_SECRET_KEY"):
            from_env(mode="production", secret_key="   ")

    def test_a_short_secret_key_is_refused(self) -> None:
        with pytest.raises(SettingsError, match="MATURITY_SECRET_KEY must be at least 32 characters"):
            from_env(secret_key="k" * 31)
        with pytest.raises(SettingsError, match="MATURITY_SECRET_KEY"):
            from_env(mode="development", secret_key="short")  # a given key is checked in every mode
        assert from_env(secret_key="k" * 32).secret_key == "k" * 32

    @pytest.mark.parametrize("mode", ["development", "demo", "test"])
    def test_local_modes_generate_a_random_one(self, mode: str) -> None:
        first, second = from_env(mode=mode), from_env(mode=mode)
        assert len(first.secret_key) >= 32
        assert first.secret_key != second.secret_key

    def test_secrets_stay_out_of_the_repr_that_logs_and_tracebacks_show(self) -> None:
        settings = from_env(secret_key=SECRET, smtp_password="hunter2-hunter2")
        assert settings.smtp_password == "hunter2-hunter2"
        assert "hunter2" not in repr(settings)
        assert SECRET not in repr(settings)


class TestParsing:
    def test_values_are_read_per_type(self) -> None:
        settings = from_env(
            secret_key=f"  {SECRET}  ",
            smtp_port="2525",
            smtp_starttls="no",
            login_max_failures=" 3 ",
            report_storage="/srv/maturity/reports",
            default_locale="en",
        )
        assert settings.secret_key == SECRET
        assert settings.smtp_port == 2525
        assert settings.smtp_starttls is False
        assert settings.login_max_failures == 3
        assert settings.report_storage == Path("/srv/maturity/reports")
        assert settings.default_locale == "en"

    @pytest.mark.parametrize(
        ("raw", "value"), [("1", True), ("true", True), ("Yes", True), ("ON", True), ("0", False), ("off", False)]
    )
    def test_booleans_in_the_usual_spellings(self, raw: str, value: bool) -> None:
        assert from_env(secret_key=SECRET, secure_cookies=raw).secure_cookies is value

    @pytest.mark.parametrize("raw", ["maybe", "2", "", "ja"])
    def test_a_bad_boolean_is_an_error_naming_the_variable(self, raw: str) -> None:
        with pytest.raises(SettingsError, match=r"MATURITY_SMTP_STARTTLS must be true or false, not '.*'"):
            from_env(secret_key=SECRET, smtp_starttls=raw)

    @pytest.mark.parametrize("raw", ["five", "5.0", "", "1e3"])
    def test_a_bad_whole_number_is_an_error_naming_the_variable(self, raw: str) -> None:
        with pytest.raises(SettingsError, match=r"MATURITY_DB_POOL_SIZE must be a whole number"):
            from_env(secret_key=SECRET, db_pool_size=raw)

    def test_an_unknown_mode_is_an_error_naming_the_variable(self) -> None:
        with pytest.raises(SettingsError, match="MATURITY_MODE must be production, development, demo or test"):
            from_env(mode="staging", secret_key=SECRET)

    def test_an_unknown_default_language_is_an_error_naming_the_variable(self) -> None:
        with pytest.raises(SettingsError, match="MATURITY_DEFAULT_LOCALE"):
            from_env(secret_key=SECRET, default_locale="sv")

    def test_variables_outside_the_settings_are_ignored(self) -> None:
        settings = Settings.from_env({"MATURITY_SECRET_KEY": SECRET, "MATURITY_TEST_BACKEND": "sqlite", "HOME": "/"})
        assert settings.mode == "production"

    def test_overrides_win_over_the_environment(self) -> None:
        settings = Settings.from_env({"MATURITY_MODE": "production"}, mode="development")
        assert settings.mode == "development"


class TestDatabaseUrl:
    @pytest.mark.parametrize(
        ("given", "used"),
        [
            (
                "postgres://maturity:pw@db.example:5432/maturity",
                "postgresql+psycopg://maturity:pw@db.example:5432/maturity",
            ),
            ("postgresql://maturity@db/maturity", "postgresql+psycopg://maturity@db/maturity"),
            ("postgresql+psycopg://maturity@db/maturity", "postgresql+psycopg://maturity@db/maturity"),
            ("sqlite:///var/maturity.db", "sqlite:///var/maturity.db"),
        ],
    )
    def test_postgresql_urls_use_psycopg_3(self, given: str, used: str) -> None:
        assert from_env(secret_key=SECRET, database_url=given).database_url == used
        assert normalise_database_url(given) == used

    def test_another_database_is_an_error_naming_the_variable(self) -> None:
        with pytest.raises(SettingsError, match="MATURITY_DATABASE_URL must be a sqlite:/// or postgresql:// URL"):
            from_env(secret_key=SECRET, database_url="mysql://root@localhost/maturity")

    def test_production_cannot_run_on_an_in_memory_database(self) -> None:
        with pytest.raises(SettingsError, match="MATURITY_DATABASE_URL"):
            from_env(secret_key=SECRET, database_url="sqlite:///:memory:")
        assert from_env(mode="test", database_url="sqlite:///:memory:").is_sqlite


class TestSecureCookies:
    def test_they_are_on_in_production_by_default(self) -> None:
        assert from_env(secret_key=SECRET).secure_cookies is True

    @pytest.mark.parametrize("mode", ["development", "demo", "test"])
    def test_they_are_off_for_local_http_by_default(self, mode: str) -> None:
        assert from_env(mode=mode).secure_cookies is False

    def test_an_explicit_setting_wins_in_every_mode(self) -> None:
        assert from_env(mode="development", secure_cookies="true").secure_cookies is True
        assert from_env(secret_key=SECRET, secure_cookies="false").secure_cookies is False

    def test_a_mode_given_as_override_decides_the_default_too(self) -> None:
        assert Settings.from_env({}, mode="demo").secure_cookies is False


class TestInstitution:
    def test_the_name_and_logo_on_report_covers_are_read_and_the_logo_checked(self, tmp_path: Path) -> None:
        logo = tmp_path / "logo.svg"
        logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')
        settings = from_env(secret_key="x" * 40, institution_name="Høgskolen", institution_logo=str(logo))
        assert (settings.institution_name, settings.institution_logo) == ("Høgskolen", str(logo))
        assert from_env(secret_key="x" * 40).institution_logo == ""
        with pytest.raises(SettingsError, match=r"MATURITY_INSTITUTION_LOGO: there is no file '.*missing.svg'"):
            from_env(secret_key="x" * 40, institution_logo=str(tmp_path / "missing.svg"))
        (tmp_path / "logo.gif").write_bytes(b"GIF89a")
        with pytest.raises(SettingsError, match=r"MATURITY_INSTITUTION_LOGO must be an \.svg or \.png file"):
            from_env(secret_key="x" * 40, institution_logo=str(tmp_path / "logo.gif"))


class TestSignInSettings:
    def test_sign_in_is_off_until_an_issuer_and_client_are_set(self) -> None:
        assert not from_env(secret_key=SECRET).oidc_enabled
        settings = from_env(secret_key=SECRET, oidc_issuer="https://auth.dataporten.no", oidc_client_id="abc")
        assert settings.oidc_enabled
        assert settings.oidc_scopes == "openid userid-feide userinfo-name email groups-org"
        assert settings.password_login

    def test_an_issuer_without_a_client_or_over_plain_http_is_refused(self) -> None:
        with pytest.raises(SettingsError, match="MATURITY_OIDC_CLIENT_ID"):
            from_env(secret_key=SECRET, oidc_issuer="https://auth.dataporten.no")
        with pytest.raises(SettingsError, match="MATURITY_OIDC_ISSUER must be an https"):
            from_env(secret_key=SECRET, oidc_issuer="http://auth.example", oidc_client_id="abc")

    def test_scopes_need_openid(self) -> None:
        with pytest.raises(SettingsError, match="MATURITY_OIDC_SCOPES"):
            from_env(secret_key=SECRET, oidc_scopes="email profile")

    def test_affiliation_groups_are_pairs(self) -> None:
        settings = from_env(secret_key=SECRET, oidc_affiliation_groups="Faculty=academic, staff=admin")
        assert settings.affiliation_groups == {"faculty": "academic", "staff": "admin"}
        with pytest.raises(SettingsError, match="MATURITY_OIDC_AFFILIATION_GROUPS"):
            from_env(secret_key=SECRET, oidc_affiliation_groups="faculty")

    def test_the_client_secret_is_not_shown(self) -> None:
        assert "hush" not in repr(from_env(secret_key=SECRET, oidc_client_secret="hush-hush"))

    def test_password_login_can_be_switched_off(self) -> None:
        assert not from_env(secret_key=SECRET, password_login="false").password_login
