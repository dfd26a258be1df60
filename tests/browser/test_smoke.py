"""The browser stack works end to end: Chromium loads a page from the live app."""


def test_health_page_shows_the_database_is_reachable(page, live_server):
    response = page.goto(live_server + "/health")

    assert response is not None and response.status == 200
    text = page.locator("body").inner_text()
    assert '"database": true' in text or '"database":true' in text
