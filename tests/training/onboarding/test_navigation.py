"""Navigation for people still onboarding."""


def test_onboarding_links_show_only_to_new_hires(client, make_user, login):
    """A live agent's navigation has no onboarding plan; a new hire's has."""
    from datetime import date

    newhire = make_user(roles=["agent"])
    login(client, newhire)
    assert "My onboarding plan" in client.get("/").get_data(as_text=True)
    live = make_user(roles=["agent"], live_since=date(2024, 1, 1))
    other = client.application.test_client()
    login(other, live)
    assert "My onboarding plan" not in other.get("/").get_data(as_text=True)
