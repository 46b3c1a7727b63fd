"""What matters in the deployment artifacts, asserted on the files themselves and on the Helm chart
as rendered with its defaults and with values-production.yaml.

    .venv/bin/python deploy/checks/test_manifests.py    (deploy/validators.sh installs the .venv)
"""

import ipaddress
import re
import sys
import tempfile
import unittest
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from render_chart import render  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
CHART = DEPLOY / "helm" / "boxoffice"
IMAGE_UID = 10001  # the Dockerfile's USER; the chart's runAsUser must agree


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


REQUIRED = "<required>"


def interpolate(text: str) -> str:
    """Compose's interpolation with no environment set: ${VAR:-default} -> default,
    ${VAR:?message} (required) -> <required>, $$ -> $."""
    text = re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", text)
    text = re.sub(r"\$\{\w+:?\?[^}]*\}", REQUIRED, text)
    return text.replace("$$", "$")


def image_tag(image: str) -> str | None:
    """The tag of `repo[:tag][@digest]`, or None; a registry's :port is not a tag."""
    name = image.split("@")[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def assert_pinned(test: unittest.TestCase, image: str, where: str) -> None:
    tag = image_tag(image)
    test.assertTrue(tag, f"{where}: image {image!r} has no tag")
    test.assertNotEqual(tag, "latest", f"{where}: image {image!r} is not pinned")
    test.assertRegex(tag, r"\d", f"{where}: image {image!r}: tag names no version")


def rust_const(path: Path, name: str) -> str:
    match = re.search(rf'pub const {name}: &str = "([^"]+)";', path.read_text())
    assert match, f"{name} not found in {path}"
    return match.group(1)


class Dockerfile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        text = (DEPLOY / "Dockerfile").read_text()
        # Join continuation lines, drop comments.
        text = re.sub(r"\\\n", " ", text)
        cls.lines = [l.strip() for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]
        stages, current = [], None
        for line in cls.lines:
            if line.upper().startswith("FROM "):
                current = []
                stages.append((line.split()[1], current))
            elif current is not None:
                current.append(line)
        cls.stages = stages
        cls.runtime_image, cls.runtime = stages[-1]

    def test_every_base_image_is_pinned_and_of_one_debian_release(self):
        for image, _ in self.stages:
            if image in {"chef", "planner", "builder"}:
                continue
            assert_pinned(self, image, "Dockerfile FROM")
            self.assertIn("bookworm", image, f"{image}: builder and runtime must both be bookworm")

    def test_dependencies_are_cooked_before_the_sources_are_copied(self):
        (builder,) = [" ".join(lines) for _, lines in self.stages if any("cargo build" in l for l in lines)]
        self.assertLess(builder.index("cargo chef cook"), builder.index("COPY . ."))
        self.assertLess(builder.index("COPY . ."), builder.index("cargo build"))
        for binary in ("boxoffice", "stripe-emulator"):
            self.assertIn(f"--bin {binary}", builder)

    def test_runtime_runs_as_a_numeric_non_root_user(self):
        users = [l.split()[1] for l in self.runtime if l.upper().startswith("USER ")]
        self.assertTrue(users, "runtime stage sets no USER")
        uid = users[-1].split(":")[0]
        self.assertTrue(uid.isdigit(), f"USER {users[-1]}: must be numeric for runAsNonRoot")
        self.assertEqual(int(uid), IMAGE_UID)

    def test_both_binaries_entrypoint_and_healthcheck(self):
        runtime = "\n".join(self.runtime)
        self.assertRegex(runtime, r"COPY --from=builder .*/boxoffice .*/stripe-emulator /usr/local/bin/")
        self.assertIn('ENTRYPOINT ["boxoffice"]', self.runtime)
        healthcheck = [l for l in self.runtime if l.startswith("HEALTHCHECK")]
        self.assertTrue(healthcheck and '"boxoffice", "healthcheck", "--url"' in healthcheck[0])

    def test_runtime_installs_only_ca_certificates(self):
        installs = re.findall(r"apt-get install ((?:-\S+ )*)([^&]+)", " ".join(self.runtime))
        packages = [p for _, names in installs for p in names.split()]
        self.assertEqual(packages, ["ca-certificates"])

    def test_dockerignore_keeps_build_output_and_local_state_out(self):
        ignored = {l.strip().rstrip("/") for l in (REPO / ".dockerignore").read_text().splitlines()}
        for path in ("target", ".git", ".venv", ".boxoffice"):
            self.assertIn(path, ignored)


class Compose(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.services = yaml.safe_load(interpolate((DEPLOY / "compose.yaml").read_text()))["services"]

    def by_command(self, command):
        return {n: s for n, s in self.services.items() if s.get("command") == [command]}

    def test_every_image_is_pinned(self):
        for name, service in self.services.items():
            assert_pinned(self, service["image"], f"compose service {name}")

    def test_two_gateways_and_two_workers_after_a_one_shot_migration(self):
        gateways, workers = self.by_command("serve"), self.by_command("worker")
        self.assertEqual(len(gateways), 2, gateways.keys())
        self.assertEqual(len(workers), 2, workers.keys())
        (migrate,) = self.by_command("migrate").keys()
        for name, service in {**gateways, **workers}.items():
            self.assertEqual(
                service["depends_on"][migrate], {"condition": "service_completed_successfully"}, name
            )

    def test_healthchecks_use_the_binary(self):
        # A gateway answers /readyz on its HTTP port, a worker on its metrics port.
        answering = [("serve", "BOXOFFICE_ADDR", 8080), ("worker", "BOXOFFICE_METRICS_ADDR", 9464)]
        for command, setting, port in answering:
            for name, service in self.by_command(command).items():
                self.assertEqual(service["environment"][setting], f"0.0.0.0:{port}")
                self.assertEqual(
                    service["healthcheck"]["test"],
                    ["CMD", "boxoffice", "healthcheck", "--url", f"http://127.0.0.1:{port}/readyz"],
                    name,
                )

    def test_the_session_secret_is_required_never_a_fixed_default(self):
        raw = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
        for name in self.by_command("serve"):
            self.assertRegex(raw[name]["environment"]["JWT_SECRET"], r"^\$\{JWT_SECRET:\?.+\}$", name)

    def test_stripe_is_the_emulator_with_its_test_keys(self):
        emulator_lib = REPO / "stripe-emulator" / "src" / "lib.rs"
        emulator = self.services["stripe-emulator"]
        self.assertEqual(emulator["entrypoint"], ["stripe-emulator"])
        for name, service in self.by_command("worker").items():
            self.assertEqual(service["environment"]["STRIPE_SECRET_KEY"], rust_const(emulator_lib, "TEST_SECRET_KEY"))
            self.assertEqual(service["environment"]["STRIPE_API_BASE"], "http://stripe-emulator:12111/")
        secrets = {s["environment"]["STRIPE_WEBHOOK_SECRET"] for s in self.by_command("serve").values()}
        self.assertEqual(secrets, {emulator["environment"]["STRIPE_WEBHOOK_SECRET"]})

    def test_postgres_16_with_a_healthcheck(self):
        postgres = self.services["postgres"]
        self.assertTrue(image_tag(postgres["image"]).startswith("16."))
        self.assertIn("pg_isready", postgres["healthcheck"]["test"])

    def test_temporal_as_upstream_runs_it(self):
        server = self.services["temporal"]
        self.assertTrue(server["image"].startswith("temporalio/server:1.32."))
        self.assertEqual(server["environment"]["DB"], "postgres12")
        self.assertEqual(server["environment"]["BIND_ON_IP"], "0.0.0.0")
        self.assertEqual(
            server["depends_on"]["temporal-schema"], {"condition": "service_completed_successfully"}
        )
        self.assertTrue(self.services["temporal-ui"]["image"].startswith("temporalio/ui:2.54."))
        self.assertIn("search-attribute create", " ".join(self.services["temporal-namespace"]["command"]))


class Chart(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.values = load_yaml(CHART / "values.yaml")
        production = load_yaml(CHART / "values-production.yaml")
        cls.renders = {
            "default": (cls.values, render(str(CHART), [])),
            "production": (production, render(str(CHART), [str(CHART / "values-production.yaml")])),
        }

    def each(self):
        """(name, values, manifests) of each render."""
        return [
            (name, values, [d for d in yaml.safe_load_all(stream) if d])
            for name, (values, stream) in self.renders.items()
        ]

    @staticmethod
    def of_kind(docs, kind):
        return [d for d in docs if d["kind"] == kind]

    def deployment(self, docs, component):
        (found,) = [
            d for d in self.of_kind(docs, "Deployment")
            if d["metadata"]["labels"]["app.kubernetes.io/component"] == component
        ]
        return found

    @staticmethod
    def workloads(docs):
        return [d for d in docs if d["kind"] in {"Deployment", "Job", "StatefulSet", "DaemonSet"}]

    def pod_specs(self, docs):
        return [(f"{d['kind']}/{d['metadata']['name']}", d["spec"]["template"]["spec"]) for d in self.workloads(docs)]

    def test_every_pod_runs_as_a_numeric_non_root_user_locked_down(self):
        for name, _, docs in self.each():
            with self.subTest(values=name):
                specs = self.pod_specs(docs)
                self.assertEqual(len(specs), 3)  # gateway, worker, migration
                for where, spec in specs:
                    pod = spec.get("securityContext", {})
                    for container in spec["containers"]:
                        ctx = {**pod, **container.get("securityContext", {})}
                        self.assertIs(ctx.get("runAsNonRoot"), True, where)
                        self.assertIsInstance(ctx.get("runAsUser"), int, where)
                        self.assertEqual(ctx["runAsUser"], IMAGE_UID, where)
                        self.assertIs(ctx.get("readOnlyRootFilesystem"), True, where)
                        self.assertIs(ctx.get("allowPrivilegeEscalation"), False, where)
                        self.assertEqual(ctx.get("capabilities", {}).get("drop"), ["ALL"], where)
                        self.assertTrue(container.get("resources", {}).get("limits"), where)

    def test_probes_on_both_deployments(self):
        for name, values, docs in self.each():
            with self.subTest(values=name):
                ports = {"gateway": "http", "worker": "metrics"}
                for component, port_name in ports.items():
                    (container,) = self.deployment(docs, component)["spec"]["template"]["spec"]["containers"]
                    port = {p["name"]: p["containerPort"] for p in container["ports"]}[port_name]
                    self.assertEqual(container["livenessProbe"]["httpGet"], {"path": "/healthz", "port": port_name})
                    self.assertEqual(container["startupProbe"]["httpGet"], {"path": "/healthz", "port": port_name})
                    self.assertEqual(container["readinessProbe"]["httpGet"], {"path": "/readyz", "port": port_name})
                    if component == "worker":
                        self.assertEqual(port, 9464)

    def test_replicas_come_from_values(self):
        for name, values, docs in self.each():
            with self.subTest(values=name):
                for component in ("gateway", "worker"):
                    wanted = values.get(component, {}).get("replicas", self.values[component]["replicas"])
                    self.assertEqual(self.deployment(docs, component)["spec"]["replicas"], wanted)
        # Any value, not only the examples'.
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as override:
            yaml.safe_dump({"gateway": {"replicas": 3}, "worker": {"replicas": 5}}, override)
            docs = [d for d in yaml.safe_load_all(render(str(CHART), [override.name])) if d]
        self.assertEqual(self.deployment(docs, "gateway")["spec"]["replicas"], 3)
        self.assertEqual(self.deployment(docs, "worker")["spec"]["replicas"], 5)

    def test_migration_is_a_pre_install_pre_upgrade_hook(self):
        for name, _, docs in self.each():
            with self.subTest(values=name):
                (job,) = self.of_kind(docs, "Job")
                self.assertEqual(job["metadata"]["annotations"]["helm.sh/hook"], "pre-install,pre-upgrade")
                (container,) = job["spec"]["template"]["spec"]["containers"]
                self.assertEqual(container["args"], ["migrate"])

    def test_every_image_is_pinned(self):
        for name, _, docs in self.each():
            with self.subTest(values=name):
                for where, spec in self.pod_specs(docs):
                    for container in spec["containers"] + spec.get("initContainers", []):
                        assert_pinned(self, container["image"], where)

    def test_the_service_selects_only_gateway_pods(self):
        for name, _, docs in self.each():
            with self.subTest(values=name):
                (service,) = self.of_kind(docs, "Service")
                selector = service["spec"]["selector"].items()
                for workload in self.workloads(docs):
                    labels = workload["spec"]["template"]["metadata"]["labels"]
                    is_gateway = labels["app.kubernetes.io/component"] == "gateway"
                    self.assertEqual(selector <= labels.items(), is_gateway, workload["metadata"]["name"])

    def test_one_disruption_budget_per_deployment(self):
        for name, _, docs in self.each():
            with self.subTest(values=name):
                budgets = self.of_kind(docs, "PodDisruptionBudget")
                for deployment in self.of_kind(docs, "Deployment"):
                    labels = deployment["spec"]["template"]["metadata"]["labels"].items()
                    matching = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels]
                    self.assertEqual(len(matching), 1, deployment["metadata"]["name"])

    def test_secrets_come_from_the_named_existing_secret(self):
        for name, values, docs in self.each():
            with self.subTest(values=name):
                self.assertEqual(self.of_kind(docs, "Secret"), [])
                secret = values.get("secret", {}).get("name", self.values["secret"]["name"])
                for where, spec in self.pod_specs(docs):
                    refs = [
                        e["valueFrom"]["secretKeyRef"]
                        for c in spec["containers"]
                        for e in c.get("env", [])
                        if "valueFrom" in e
                    ]
                    self.assertTrue(refs, where)
                    self.assertEqual({r["name"] for r in refs}, {secret}, where)

    def test_production_talks_to_temporal_over_mtls_from_mounted_files(self):
        _, stream = self.renders["production"]
        docs = [d for d in yaml.safe_load_all(stream) if d]
        for component in ("gateway", "worker"):
            (container,) = self.deployment(docs, component)["spec"]["template"]["spec"]["containers"]
            env = {e["name"]: e.get("value") for e in container["env"]}
            mounts = [m["mountPath"] for m in container["volumeMounts"]]
            for var in ("TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH"):
                self.assertTrue(any(env[var].startswith(m + "/") for m in mounts), var)


    def test_metrics_have_a_port_of_their_own_that_the_service_does_not_expose(self):
        for name, values, docs in self.each():
            with self.subTest(values=name):
                (service,) = self.of_kind(docs, "Service")
                (container,) = self.deployment(docs, "gateway")["spec"]["template"]["spec"]["containers"]
                ports = {p["name"]: p["containerPort"] for p in container["ports"]}
                env = {e["name"]: e.get("value") for e in container["env"]}
                self.assertEqual(env["BOXOFFICE_METRICS_ADDR"], f"0.0.0.0:{ports['metrics']}")
                self.assertNotEqual(ports["metrics"], ports["http"])
                exposed = [p["targetPort"] for p in service["spec"]["ports"]]
                self.assertEqual(exposed, ["http"])

    def test_the_gateway_trusts_the_proxies_of_its_values(self):
        for name, values, docs in self.each():
            with self.subTest(values=name):
                wanted = values.get("gateway", {}).get("trustedProxies", self.values["gateway"]["trustedProxies"])
                (container,) = self.deployment(docs, "gateway")["spec"]["template"]["spec"]["containers"]
                env = {e["name"]: e.get("value") for e in container["env"]}
                self.assertEqual(env["BOXOFFICE_TRUSTED_PROXIES"].split(","), wanted)
        # The default is an in-cluster ingress's: private ranges only, never everyone.
        for block in self.values["gateway"]["trustedProxies"]:
            self.assertFalse(ipaddress.ip_network(block).is_global, block)

    def policies(self, docs):
        return {d["metadata"]["name"].removeprefix("boxoffice-"): d for d in self.of_kind(docs, "NetworkPolicy")}

    def test_by_default_network_policies_let_only_the_shop_reach_temporal_and_postgres(self):
        docs = [d for d in yaml.safe_load_all(self.renders["default"][1]) if d]
        policies = self.policies(docs)
        self.assertEqual(set(policies), {"gateway", "worker", "migrate", "temporal-frontend", "postgres"})
        shop = lambda *components: [
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "boxoffice"}},
                "podSelector": {"matchLabels": {
                    "app.kubernetes.io/name": "boxoffice",
                    "app.kubernetes.io/instance": "boxoffice",
                    "app.kubernetes.io/component": c,
                }},
            }
            for c in components
        ]
        frontend = policies["temporal-frontend"]
        self.assertEqual(frontend["metadata"]["namespace"], "temporal")
        self.assertEqual(frontend["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"], "frontend")
        (rule,) = frontend["spec"]["ingress"]
        self.assertEqual(rule["ports"], [{"port": 7233}])
        # The shop's gateways and workers, and Temporal's own pods (its namespace's): no one else.
        self.assertEqual(rule["from"], shop("gateway", "worker") + [{"podSelector": {}}])
        postgres = policies["postgres"]
        (rule,) = postgres["spec"]["ingress"]
        self.assertEqual(rule["ports"], [{"port": 5432}])
        self.assertEqual(
            rule["from"],
            shop("gateway", "worker", "migrate")
            + [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "temporal"}}}],
        )

    def test_by_default_the_shops_pods_take_traffic_only_where_it_belongs(self):
        docs = [d for d in yaml.safe_load_all(self.renders["default"][1]) if d]
        policies = self.policies(docs)
        for component in ("gateway", "worker", "migrate"):
            policy = policies[component]
            self.assertEqual(policy["spec"]["policyTypes"], ["Ingress"])
            self.assertEqual(policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"], component)
        ports = lambda component: [r["ports"] for r in policies[component]["spec"].get("ingress", [])]
        self.assertEqual(ports("gateway"), [[{"port": "http"}], [{"port": "metrics"}]])
        self.assertEqual(ports("worker"), [[{"port": "metrics"}]])
        self.assertEqual(ports("migrate"), [])
        ingress_controller = policies["gateway"]["spec"]["ingress"][0]["from"]
        self.assertEqual(ingress_controller, self.values["networkPolicy"]["gateway"]["from"])

    def test_network_policies_can_be_switched_off_for_a_cluster_without_them(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as override:
            yaml.safe_dump({"networkPolicy": {"enabled": False}}, override)
            docs = [d for d in yaml.safe_load_all(render(str(CHART), [override.name])) if d]
        self.assertEqual(self.of_kind(docs, "NetworkPolicy"), [])


class TemporalValues(unittest.TestCase):
    """deploy/helm/temporal-values.yaml, for Temporal's official chart."""

    @classmethod
    def setUpClass(cls):
        cls.values = load_yaml(DEPLOY / "helm" / "temporal-values.yaml")

    def test_postgres_stores_with_an_existing_secret(self):
        persistence = self.values["server"]["config"]["persistence"]
        stores = persistence["datastores"]
        databases = {
            persistence["defaultStore"]: "temporal",
            persistence["visibilityStore"]: "temporal_visibility",
        }
        for store, database in databases.items():
            sql = stores[store]["sql"]
            self.assertEqual(sql["pluginName"], "postgres12")
            self.assertEqual(sql["databaseName"], database)
            self.assertTrue(sql["existingSecret"])
            self.assertNotIn("password", sql)

    def test_no_bundled_stores(self):
        # The chart (>= 1.0) bundles none and fails on these keys.
        for key in ("cassandra", "mysql", "postgresql", "elasticsearch", "prometheus", "grafana"):
            self.assertNotIn(key, self.values)

    def test_images_pinned_to_the_versions_compose_runs(self):
        compose = yaml.safe_load(interpolate((DEPLOY / "compose.yaml").read_text()))["services"]
        pairs = {
            "server": compose["temporal"]["image"],
            "admintools": compose["temporal-namespace"]["image"],
            "web": compose["temporal-ui"]["image"],
        }
        for key, image in pairs.items():
            self.assertEqual(str(self.values[key]["image"]["tag"]), image_tag(image), key)


if __name__ == "__main__":
    unittest.main(verbosity=2)
