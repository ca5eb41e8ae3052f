//! PostgreSQL over TLS, against a real server: a private throwaway cluster started here with
//! `ssl=on`, a certificate made for the test by `openssl` (a test CA; the server's name is
//! `db.test`), and `pg_hba.conf` refusing plain TCP connections. Needs the PostgreSQL server
//! binaries (`/usr/lib/postgresql/*/bin`, the `postgresql` package `./x test` installs) and
//! `openssl`; as root the cluster runs as the `postgres` user.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;

struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    fn run(&self, program: &Path, args: &[&str]) {
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        let out = cmd.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{} {args:?}: {}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn url(&self, host: &str, params: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres{params}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.path("data");
        let pg_ctl = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
            c
        } else {
            Command::new(&pg_ctl)
        };
        let _ = cmd.args(["-D", &data, "-m", "immediate", "stop"]).output();
    }
}

fn pg_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .filter(|b| b.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!("PostgreSQL server binaries not found under /usr/lib/postgresql (apt install postgresql; ./x test does)")
    })
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl (the command-line tool) is needed to make the test certificates");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a server certificate it signed for `db.test`; a second, unrelated CA.
fn certificates(dir: &Path) {
    for ca in ["ca", "other-ca"] {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.crt"),
                "-days",
                "2",
                "-subj",
                &format!("/CN=dvc {ca}"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
    }
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=db.test",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:db.test\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
}

fn start() -> Cluster {
    let bin = pg_bin();
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path());
    let as_postgres = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if as_postgres {
        let id = |flag: &str| -> u32 {
            let o = Command::new("id")
                .args([flag, "postgres"])
                .output()
                .unwrap();
            String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
        };
        let (uid, gid) = (id("-u"), id("-g"));
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            std::os::unix::fs::chown(entry.unwrap().path(), Some(uid), Some(gid)).unwrap();
        }
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.path().join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Cluster {
        bin,
        dir,
        port,
        as_postgres,
    };
    let data = c.path("data");
    c.run(
        &c.bin.join("initdb"),
        &[
            "-D",
            &data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ],
    );
    // Unix socket for the test's own check; over TCP only TLS is accepted.
    std::fs::write(
        c.dir.path().join("data/pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\n\
         hostnossl all all 127.0.0.1/32 reject\n",
    )
    .unwrap();
    let opts = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {dir} -c ssl=on -c ssl_cert_file={dir}/server.crt \
         -c ssl_key_file={dir}/server.key -c fsync=off",
        dir = c.dir.path().display()
    );
    c.run(
        &c.bin.join("pg_ctl"),
        &[
            "-D",
            &data,
            "-l",
            &c.path("server.log"),
            "-w",
            "-o",
            &opts,
            "start",
        ],
    );
    c
}

async fn connects(url: &str) -> Result<dvc_sync::db::Db, String> {
    match dvc_sync::db::open(url).await {
        Ok(db) => {
            db.ping().await.map_err(|e| e.to_string())?;
            Ok(db)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The error of a connection that must fail.
async fn refused(url: &str) -> String {
    match connects(url).await {
        Ok(_) => panic!("{url} connected"),
        Err(e) => e,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_use_tls_as_sslmode_says() {
    let c = start();
    let ca = c.path("ca.crt");
    let other = c.path("other-ca.crt");

    // Loopback without sslmode stays plain — and this server refuses plain TCP.
    let err = refused(&c.url("127.0.0.1", "")).await;
    assert!(err.contains("pg_hba") || err.contains("reject"), "{err}");
    let err = refused(&c.url("127.0.0.1", "?sslmode=disable")).await;
    assert!(err.contains("pg_hba") || err.contains("reject"), "{err}");

    // require: encrypted, certificate not checked.
    let db = connects(&c.url("127.0.0.1", "?sslmode=require"))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    assert!(db.agencies().await.unwrap().is_empty());
    // verify-ca: the chain to our CA is checked, the name is not.
    connects(&c.url("localhost", &format!("?sslmode=verify-ca&sslrootcert={ca}")))
        .await
        .unwrap();
    // require with a root certificate checks the chain too.
    let err = refused(&c.url(
        "localhost",
        &format!("?sslmode=require&sslrootcert={other}"),
    ))
    .await;
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    let err = refused(&c.url(
        "localhost",
        &format!("?sslmode=verify-ca&sslrootcert={other}"),
    ))
    .await;
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // verify-full: the certificate is for db.test, not for localhost.
    let err = refused(&c.url(
        "localhost",
        &format!("?sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;
    assert!(err.to_lowercase().contains("certificate"), "{err}");

    // The server agrees: every TCP client of ours is on TLS.
    let (client, conn) = tokio_postgres::connect(
        &format!(
            "postgresql://postgres@/postgres?host={}&port={}",
            c.dir.path().display(),
            c.port
        ),
        tokio_postgres::NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    let row = client
        .query_one(
            "SELECT count(*) AS n, count(*) FILTER (WHERE s.ssl) AS tls FROM pg_stat_ssl s \
             JOIN pg_stat_activity a USING (pid) WHERE a.client_addr IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    let (n, tls): (i64, i64) = (row.get("n"), row.get("tls"));
    assert!(n >= 1, "no TCP client connected");
    assert_eq!(n, tls, "a TCP connection without TLS");
    drop(db);
}
