import urllib.request


def test_daphne_serves(daphne_factory):
    server = daphne_factory()
    body = urllib.request.urlopen(server.url + "/").read().decode()
    assert "Faire ensemble" in body
