"""Who may open each route of the foundation (read by the permission matrix test).

Each package keeps such a table in ``tests/<package>/access.py``: endpoint -> allowed roles
(``PUBLIC`` for everyone, ``SIGNED_IN`` for every role). Roles: admin, manager, mentor,
shopper, agent (live), newhire (agent still onboarding).
"""

PUBLIC = "public"
SIGNED_IN = frozenset({"admin", "manager", "mentor", "shopper", "agent", "newhire"})
ADMIN = frozenset({"admin"})

EXPECTED = {
    "static": PUBLIC,
    "core.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.choose_language": PUBLIC,
    "auth.reset_password": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
    "core.index": SIGNED_IN,
    "auth.profile": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.preferences": SIGNED_IN,
    "auth.create_token": SIGNED_IN,
    "auth.revoke_token": SIGNED_IN,
    "api_me.Me": SIGNED_IN,
    "people.index": ADMIN,
    "people.new": ADMIN,
    "people.edit": ADMIN,
    "people.reset_link": ADMIN,
    "people.import_csv": ADMIN,
    "people.branches": ADMIN,
    "people.branch_form": ADMIN,
    "people.teams": ADMIN,
    "people.team_form": ADMIN,
    "admin.audit": ADMIN,
    "jobs.show": SIGNED_IN,
    "jobs.status": SIGNED_IN,
    "jobs.download": SIGNED_IN,
}


def merge_features(features) -> tuple[dict, object]:
    """Merge the access tables of a package's features (each route in one table only).

    Returns the merged table and a ``sample_values(app, users)`` gathering every feature's values.
    """
    expected: dict = {}
    for feature in features:
        overlap = set(expected) & set(feature.EXPECTED)
        assert not overlap, f"{feature.__name__} repeats {overlap}"
        expected.update(feature.EXPECTED)

    def sample_values(app, users) -> dict:
        values: dict = {}
        for feature in features:
            values.update(feature.sample_values(app, users))
        return values

    return expected, sample_values
