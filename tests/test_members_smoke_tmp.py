from tests.conftest import sign_in


def test_smoke(app, client, create_user, create_listing, create_area):
    area = create_area()
    org = create_listing("member", name="テスト農園")
    coord = create_user("coordinator")
    member = create_user("member", organisation=org)
    r = sign_in(client, coord)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    for path in ["/members/coordinator/", "/members/coordinator/invitations", "/members/coordinator/members",
                 "/members/coordinator/pending", "/members/coordinator/review", "/members/coordinator/requests",
                 "/members/coordinator/coverage", "/members/coordinator/import", "/members/coordinator/export.csv"]:
        r = client.get(path)
        assert r.status_code == 200, (path, r.get_data(as_text=True)[:3000])
    r = client.post("/members/coordinator/invitations", data={"email": "new@example.org", "role": "member", "organisation": str(org.id)})
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    r = client.post("/members/coordinator/requests", data={"age_band": "18_39", "area": "asahi", "wanted": "静かな作業ができる場所", "when": "平日の午前", "constraints": ""})
    assert r.status_code == 302, r.get_data(as_text=True)[:5000]
    client.post("/members/sign-out")
    m = app.test_client()
    r = sign_in(m, member)
    assert r.status_code == 302
    for path in ["/members/", f"/members/listings/{org.id}/edit", "/members/listings/new/menu", "/members/listings/new/event",
                 f"/members/listings/{org.id}/preview", f"/members/listings/{org.id}/translations/en", "/members/requests", "/members/requests/1"]:
        r = m.get(path)
        assert r.status_code == 200, (path, r.get_data(as_text=True)[:3000])
    r = m.post("/members/listings/new/menu", data={"name": "軽作業", "targets": ["anyone"], "readiness": "social", "area": "asahi", "capacity": "3"})
    assert r.status_code == 302, r.get_data(as_text=True)[:5000]
    r = m.post("/members/requests/1", data={"menu": "", "idea": "畑の手伝い"})
    assert r.status_code == 302, r.get_data(as_text=True)[:5000]
