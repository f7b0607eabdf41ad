"""``atlas-kg publish DIR``: the static site, served by real nginx and Apache with the
conneg rules it writes (each server test skips when Debian's nginx / apache2 is absent)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import DCTERMS, RDF
from test_publish_server import XSS_ID, XSS_TITLE, build_store

from atlas_kg.cli import main
from atlas_kg.publish.config import PublishConfig
from atlas_kg.publish.server import free_port
from atlas_kg.publish.static import publish_site
from atlas_kg.queries import list_queries
from atlas_kg.store import open_store

pytestmark = pytest.mark.xdist_group("publish_static")

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
APACHE_MODULES = Path("/usr/lib/apache2/modules")


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    # World-readable: nginx and Apache workers run as another user when started as root.
    folder = Path(tempfile.mkdtemp(prefix="atlas-kg-static-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def store_path(workdir: Path) -> Path:
    path = workdir / "store"
    build_store(path, records=25)
    return path


def _publish(store_path: Path, folder: Path, public_url: str) -> None:
    store = open_store(store_path, read_only=True)
    try:
        report = publish_site(store, folder, PublishConfig(public_url=public_url))
    finally:
        store.close()
    assert report.entities > 25 and report.files > report.entities
    for path in folder.rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))


@pytest.fixture(scope="module")
def nginx_site(workdir: Path, store_path: Path) -> tuple[Path, int]:
    port = free_port()
    site = workdir / "site-nginx"
    _publish(store_path, site, f"http://127.0.0.1:{port}/")
    return site, port


def test_publish_writes_the_site(nginx_site: tuple[Path, int]) -> None:
    site, port = nginx_site
    for rel in ("index.html", "404.html", "void.ttl", ".well-known/void", "dumps/atlas-kg.nq.gz",
                "dumps/atlas-kg.ttl", "dumps/index.html", "nginx.conf", ".htaccess", "network.html",
                "static/publish/site.css", "queries/index.html", "browse/partnerships.html"):  # fmt: skip
        assert (site / rel).is_file(), rel
    for ext in ("html", "ttl", "jsonld"):
        assert (site / f"doc/partnership/{XSS_ID}.{ext}").is_file()
    page = (site / f"doc/partnership/{XSS_ID}.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    g = rdflib.Graph().parse(site / f"doc/partnership/{XSS_ID}.jsonld", format="json-ld")
    assert (None, DCTERMS.title, rdflib.Literal(XSS_TITLE, lang="fr")) in g
    for q in list_queries():
        assert (site / f"queries/{q.name}.html").is_file()
        assert (site / f"queries/{q.name}.json").is_file() == (not q.params)
    void = rdflib.Graph().parse(site / "void.ttl", format="turtle")
    VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
    ds = next(void.subjects(RDF.type, VOID.Dataset))
    assert set(void.objects(ds, VOID.dataDump)) == {
        rdflib.URIRef(f"http://127.0.0.1:{port}/dumps/atlas-kg.nq.gz"),
        rdflib.URIRef(f"http://127.0.0.1:{port}/dumps/atlas-kg.ttl"),
    }
    home = (site / "index.html").read_text()
    assert 'href="/browse/partnerships.html"' in home and "Licence Ouverte / Etalab 2.0" in home


def test_publish_command(store_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "--store",
            str(store_path),
            "publish",
            str(tmp_path / "out"),
            "--no-network",
            "--public-url",
            "https://atlas.example.org/",
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert "entities" in result.output and (tmp_path / "out" / "index.html").is_file()
    assert not (tmp_path / "out" / "network.html").exists()
    bad = CliRunner().invoke(main, ["--store", str(store_path), "publish", str(tmp_path / "x"),
                                    "--base", "http://example.org/data/"])  # fmt: skip
    assert bad.exit_code == 2 and "--public-url" in bad.output
    missing = CliRunner().invoke(
        main, ["--store", str(tmp_path / "none"), "publish", str(tmp_path / "y")]
    )
    assert missing.exit_code == 2 and "no store" in missing.output


# -- real web servers ------------------------------------------------------------------


def _wait(url: str, proc: subprocess.Popen, log: Path) -> None:
    for _ in range(100):
        if proc.poll() is not None:
            raise AssertionError(f"the server exited: {log.read_text() if log.exists() else ''}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url}")


@pytest.fixture(scope="module")
def nginx(nginx_site: tuple[Path, int], workdir: Path) -> Iterator[str]:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    site, port = nginx_site
    rules = (site / "nginx.conf").read_text().replace("listen 80;", f"listen 127.0.0.1:{port};")
    run = workdir / "nginx"
    run.mkdir()
    (run / "site.conf").write_text(rules)
    user = "user root;" if os.geteuid() == 0 else ""
    (run / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {run}/site.conf;
}}
"""
    )
    proc = subprocess.Popen([NGINX, "-p", str(run), "-c", str(run / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait(url, proc, run / "error.log")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _location(response: httpx.Response) -> str:
    """The redirect's path (nginx sends it relative, Apache absolute)."""
    return urlsplit(response.headers["location"]).path


def _check_conneg(url: str, prefix: str) -> None:
    """The conneg rules at work: 303 by Accept, documents with their types, 404s."""
    with httpx.Client(base_url=url, timeout=10) as c:
        for accept, ext, media in (
            ("text/turtle", "ttl", "text/turtle"),
            ("application/ld+json", "jsonld", "application/ld+json"),
            ("text/html,application/xhtml+xml,*/*;q=0.8", "html", "text/html"),
            ("*/*", "html", "text/html"),
        ):
            r = c.get(f"id/partnership/{XSS_ID}", headers={"Accept": accept})
            assert r.status_code == 303, (accept, r.status_code)
            assert _location(r) == f"{prefix}doc/partnership/{XSS_ID}.{ext}"
            assert "Accept" in r.headers.get("vary", "")
            doc = c.get(_location(r).removeprefix(prefix))
            assert doc.status_code == 200 and doc.headers["content-type"].split(";")[0] == media
        row = c.get(f"id/partnership/{XSS_ID}/funding/1", headers={"Accept": "text/turtle"})
        assert row.status_code == 303
        assert _location(row) == f"{prefix}doc/partnership/{XSS_ID}.ttl"
        named = c.get(f"id/partnership/{XSS_ID}.jsonld")
        assert _location(named) == f"{prefix}doc/partnership/{XSS_ID}.jsonld"
        negotiated = c.get(f"doc/partnership/{XSS_ID}", headers={"Accept": "text/turtle"})
        assert negotiated.status_code == 200 and negotiated.headers["content-type"].startswith(
            "text/turtle"
        )
        void = c.get("void")
        assert void.status_code == 200 and void.headers["content-type"].startswith("text/turtle")
        missing = c.get(
            "id/partnership/0000", headers={"Accept": "text/html"}, follow_redirects=True
        )
        assert missing.status_code == 404 and "Not found" in missing.text
        home = c.get("")
        assert home.status_code == 200 and "Partnerships by country" in home.text


def test_nginx_serves_the_site_with_conneg(nginx: str) -> None:
    _check_conneg(nginx, "/")
    g = rdflib.Graph().parse(f"{nginx}id/partnership/{XSS_ID}")  # follows the 303
    subject = rdflib.URIRef(f"https://w3id.org/atlas-kg/id/partnership/{XSS_ID}")
    assert (subject, DCTERMS.title, rdflib.Literal(XSS_TITLE, lang="fr")) in g


@pytest.fixture(scope="module")
def apache(workdir: Path, store_path: Path) -> Iterator[str]:
    if not Path(APACHE).exists():
        pytest.skip("Apache is not installed (Debian: apt-get install apache2)")
    port = free_port()
    site = workdir / "site-apache"
    _publish(store_path, site, f"http://127.0.0.1:{port}/atlas/")
    run = workdir / "apache"
    run.mkdir()
    modules = ["mpm_event", "authz_core", "alias", "dir", "mime", "rewrite", "headers", "unixd"]
    loads = "\n".join(
        f"LoadModule {m}_module {APACHE_MODULES}/mod_{m}.so"
        for m in modules
        if (APACHE_MODULES / f"mod_{m}.so").exists()
    )
    user = ""
    if os.geteuid() == 0:  # Apache refuses to serve as root: its workers take a user
        import pwd

        name = next((n for n in ("www-data", "daemon", "nobody") if _has_user(pwd, n)), "nobody")
        user = f"User {name}\nGroup #{pwd.getpwnam(name).pw_gid}"
    (run / "httpd.conf").write_text(
        f"""{loads}
{user}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {run}/httpd.pid
ErrorLog {run}/error.log
DefaultRuntimeDir {run}
Mutex file:{run} default
TypesConfig /etc/mime.types
DocumentRoot {run}
Alias /atlas/ {site}/
<Directory {site}>
    AllowOverride FileInfo Indexes
    Require all granted
</Directory>
"""
    )
    proc = subprocess.Popen([APACHE, "-f", str(run / "httpd.conf"), "-DFOREGROUND"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/atlas/"
        _wait(url, proc, run / "error.log")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _has_user(pwd, name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def test_apache_serves_the_site_under_a_path(apache: str) -> None:
    _check_conneg(apache, "/atlas/")
