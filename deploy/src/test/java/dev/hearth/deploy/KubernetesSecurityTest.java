package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What issue 16 asks of the Kubernetes manifests, checked on the rendered base and every overlay: the admin port is
 * off the client Service; a NetworkPolicy admits exactly clients, peers and operators to their ports; every pod
 * passes the Pod Security "restricted" level with a read-only root and a writable volume for every path the node
 * writes; secrets arrive as files from Secrets, and TLS (overlays/secure) switches the probes to HTTPS.
 *
 * <p>Each checker returns the problems it finds, and a test feeds it a broken copy to show it finds them.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KubernetesSecurityTest {
    static Map<String, List<ObjectNode>> rendered;
    static Map<String, Integer> port;
    static Image image;
    static JsonNode nodeDefaults;

    /** What the Dockerfile promises the pods: its numeric user and group, working directory and environment. */
    record Image(int uid, int gid, String workdir, Map<String, String> env) {
        static Image read(Path dockerfile) throws IOException {
            String d = Files.readString(dockerfile).replace("\\\n", " ");
            Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)\\s*$").matcher(d);
            assertTrue(user.find(), "the Dockerfile's USER must be numeric uid:gid (runAsNonRoot can only check "
                    + "a number)");
            Matcher workdir = Pattern.compile("(?m)^WORKDIR (\\S+)").matcher(d);
            assertTrue(workdir.find(), "no WORKDIR");
            Map<String, String> env = new HashMap<>();
            Matcher e = Pattern.compile("(?m)^ENV (.*)$").matcher(d);
            while (e.find()) {
                for (String kv : e.group(1).trim().split("\\s+")) {
                    env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                }
            }
            return new Image(Integer.parseInt(user.group(1)), Integer.parseInt(user.group(2)), workdir.group(1), env);
        }
    }

    @BeforeAll
    static void load() throws IOException {
        rendered = KustomizeRenderTest.renderings();
        nodeDefaults = Kustomize.YAML.readTree(Path.of("../node/src/main/resources/hearth-defaults.yaml").toFile());
        JsonNode ports = nodeDefaults.get("ports");
        port = Map.of("thin-client", ports.get("thinClient").asInt(), "memcached", ports.get("memcached").asInt(),
                "admin", ports.get("admin").asInt(), "discovery", ports.get("discovery").asInt(),
                "communication", ports.get("communication").asInt());
        image = Image.read(Path.of("../Dockerfile"));
    }

    static ObjectNode sts(List<ObjectNode> objects) {
        return KustomizeRenderTest.find(objects, "StatefulSet", "hearth");
    }

    static JsonNode container(List<ObjectNode> objects) {
        return sts(objects).at("/spec/template/spec/containers/0");
    }

    static Map<String, String> podLabels(List<ObjectNode> objects) {
        Map<String, String> m = new HashMap<>();
        sts(objects).at("/spec/template/metadata/labels").fields()
                .forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    static boolean selects(JsonNode selector, Map<String, String> labels) {
        JsonNode match = selector.path("matchLabels");
        if (match.isEmpty() || selector.has("matchExpressions")) {
            return false;
        }
        for (var it = match.fields(); it.hasNext();) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static String env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e.has("value") ? e.get("value").asText() : null;
            }
        }
        return null;
    }

    /** Every pod spec of a rendering (pod templates of workloads, and bare pods). */
    static List<JsonNode> podSpecs(List<ObjectNode> objects) {
        List<JsonNode> out = new ArrayList<>();
        for (ObjectNode o : objects) {
            if (o.at("/spec/template/spec").isObject()) {
                out.add(o.at("/spec/template/spec"));
            } else if (o.at("/spec/jobTemplate/spec/template/spec").isObject()) {
                out.add(o.at("/spec/jobTemplate/spec/template/spec"));
            } else if (o.path("kind").asText().equals("Pod")) {
                out.add(o.get("spec"));
            }
        }
        return out;
    }

    static List<JsonNode> allContainers(JsonNode podSpec) {
        List<JsonNode> out = new ArrayList<>();
        for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
            podSpec.path(list).forEach(out::add);
        }
        return out;
    }

    // ---- 1. The admin port is off the client Service ----

    @Test
    void theAdminPortIsOnlyOnTheOperatorsService() {
        rendered.forEach((name, objects) -> {
            Map<String, Integer> byName = new HashMap<>();
            container(objects).path("ports").forEach(p -> byName.put(p.get("name").asText(),
                    p.get("containerPort").asInt()));
            boolean adminService = false;
            for (ObjectNode s : objects) {
                if (!s.path("kind").asText().equals("Service")) {
                    continue;
                }
                Set<Integer> targets = targetPorts(s, byName);
                String svc = name + ": Service " + s.at("/metadata/name").asText();
                if (targets.contains(port.get("thin-client")) || targets.contains(port.get("memcached"))) {
                    assertEquals(new TreeSet<>(List.of(port.get("thin-client"), port.get("memcached"))), targets,
                            svc + " is for clients: thin client and memcached only");
                }
                if (targets.contains(port.get("admin"))) {
                    assertEquals(Set.of(port.get("admin")), targets, svc + " mixes the admin port with others");
                    adminService = true;
                }
            }
            assertEquals(Set.of(port.get("thin-client"), port.get("memcached")),
                    targetPorts(KustomizeRenderTest.find(objects, "Service", "hearth"), byName),
                    name + ": the client Service");
            assertTrue(adminService, name + ": operators need a Service for the admin port");
        });
    }

    /** The container ports a Service sends to (a named targetPort resolved through the container's ports). */
    static Set<Integer> targetPorts(JsonNode service, Map<String, Integer> byName) {
        Set<Integer> out = new TreeSet<>();
        for (JsonNode p : service.at("/spec/ports")) {
            JsonNode t = p.has("targetPort") ? p.get("targetPort") : p.get("port");
            Integer n = t.isInt() ? Integer.valueOf(t.asInt()) : byName.get(t.asText());
            assertNotNull(n, "Service " + service.at("/metadata/name") + " targets unknown port " + t);
            out.add(n);
        }
        return out;
    }

    // ---- 2. The NetworkPolicy ----

    static Set<String> ports(JsonNode rule) {
        Set<String> out = new TreeSet<>();
        rule.path("ports").forEach(p -> out.add(p.path("protocol").asText("TCP") + "/" + p.path("port").asText()
                + (p.has("endPort") ? "-" + p.get("endPort").asText() : "")));
        return out;
    }

    static Set<String> tcp(int... ports) {
        Set<String> out = new TreeSet<>();
        for (int p : ports) {
            out.add("TCP/" + p);
        }
        return out;
    }

    /** "nodes" for a peer that is exactly the Hearth pods of the policy's namespace, else the peer itself. */
    static String peer(JsonNode p, Map<String, String> podLabels) {
        boolean nodes = p.size() == 1 && p.has("podSelector") && selects(p.get("podSelector"), podLabels);
        return nodes ? "nodes" : p.toString();
    }

    /** Problems with the policy that guards the Hearth pods; empty when it admits exactly what issue 16 says. */
    static List<String> policyProblems(JsonNode policy, Map<String, String> podLabels) {
        List<String> problems = new ArrayList<>();
        List<String> types = StreamSupport.stream(policy.at("/spec/policyTypes").spliterator(), false)
                .map(JsonNode::asText).toList();
        if (!types.contains("Ingress") || !types.contains("Egress")) {
            problems.add("policyTypes must be Ingress and Egress (everything not listed denied both ways): " + types);
        }
        Set<String> peerPorts = tcp(port.get("discovery"), port.get("communication"), port.get("admin"));
        Set<String> clientPorts = tcp(port.get("thin-client"), port.get("memcached"));
        Set<String> operatorPorts = tcp(port.get("admin"));
        int peerRules = 0;
        int clientRules = 0;
        int operatorRules = 0;
        for (JsonNode rule : policy.at("/spec/ingress")) {
            Set<String> ports = ports(rule);
            List<String> from = StreamSupport.stream(rule.path("from").spliterator(), false)
                    .map(p -> peer(p, podLabels)).toList();
            if (from.isEmpty() || ports.isEmpty()) {
                problems.add("ingress rule open to every source or every port: " + rule);
            } else if (from.contains("nodes")) {
                peerRules++;
                if (from.stream().anyMatch(p -> !p.equals("nodes")) || !ports.equals(peerPorts)) {
                    problems.add("the nodes' rule must admit exactly the nodes to " + peerPorts + ": " + rule);
                }
            } else if (ports.equals(clientPorts)) {
                clientRules++;
            } else if (ports.equals(operatorPorts)) {
                operatorRules++;
            } else {
                problems.add("ingress rule for other pods must be the client ports " + clientPorts
                        + " or the admin port " + operatorPorts + ": " + rule);
            }
        }
        if (peerRules != 1 || clientRules < 1 || operatorRules < 1) {
            problems.add("expected one ingress rule for the nodes and at least one each for clients and operators, "
                    + "found " + peerRules + ", " + clientRules + ", " + operatorRules);
        }
        // Egress: to the peers on their ports, DNS, and the Kubernetes API (the IP finder lists endpoints there).
        Set<String> egress = new TreeSet<>();
        for (JsonNode rule : policy.at("/spec/egress")) {
            Set<String> ports = ports(rule);
            List<String> to = StreamSupport.stream(rule.path("to").spliterator(), false)
                    .map(p -> peer(p, podLabels)).toList();
            if (ports.isEmpty()) {
                problems.add("egress rule open on every port: " + rule);
            } else if (to.equals(List.of("nodes")) && ports.equals(peerPorts)) {
                egress.add("peers");
            } else if (ports.equals(Set.of("UDP/53", "TCP/53"))) {
                egress.add("dns");
            } else if (ports.equals(tcp(443, 6443)) && to.stream().allMatch(p -> p.contains("ipBlock"))) {
                egress.add("kubernetes-api");
            } else {
                problems.add("egress rule beyond peers, DNS and the Kubernetes API: " + rule);
            }
        }
        if (!egress.equals(Set.of("peers", "dns", "kubernetes-api"))) {
            problems.add("egress must allow the peers, DNS and the Kubernetes API; allows " + egress);
        }
        return problems;
    }

    static JsonNode policy(List<ObjectNode> objects) {
        List<ObjectNode> guarding = objects.stream().filter(o -> o.path("kind").asText().equals("NetworkPolicy")
                && selects(o.at("/spec/podSelector"), podLabels(objects))).toList();
        assertEquals(1, guarding.size(), "one NetworkPolicy guards the Hearth pods");
        return guarding.get(0);
    }

    @Test
    void aNetworkPolicyAdmitsExactlyClientsPeersAndOperators() {
        rendered.forEach((name, objects) -> assertEquals(List.of(), policyProblems(policy(objects),
                podLabels(objects)), name));
        // The base's audiences are the documented labels of its own namespace.
        JsonNode base = policy(rendered.get("base"));
        assertEquals("{\"podSelector\":{\"matchLabels\":{\"hearth.dev/client\":\"true\"}}}",
                base.at("/spec/ingress/0/from/0").toString());
        assertEquals(tcp(port.get("thin-client"), port.get("memcached")), ports(base.at("/spec/ingress/0")));
        assertEquals("{\"podSelector\":{\"matchLabels\":{\"hearth.dev/operator\":\"true\"}}}",
                base.at("/spec/ingress/2/from/0").toString());
        assertEquals(tcp(port.get("admin")), ports(base.at("/spec/ingress/2")));
    }

    @Test
    void thePolicyCheckFindsWhatWouldLetTooMuchIn() {
        List<ObjectNode> objects = rendered.get("base");
        Map<String, String> labels = podLabels(objects);
        ObjectNode clientsReachAdmin = policy(objects).deepCopy();
        ((ArrayNode) clientsReachAdmin.at("/spec/ingress/0/ports")).addObject().put("protocol", "TCP")
                .put("port", port.get("admin"));
        assertFalse(policyProblems(clientsReachAdmin, labels).isEmpty(), "clients reaching the admin port");
        ObjectNode anyoneReachesPeers = policy(objects).deepCopy();
        ((ObjectNode) anyoneReachesPeers.at("/spec/ingress/1")).remove("from");
        assertFalse(policyProblems(anyoneReachesPeers, labels).isEmpty(), "a rule without sources");
        ObjectNode ingressOnly = policy(objects).deepCopy();
        ((ObjectNode) ingressOnly.get("spec")).putArray("policyTypes").add("Ingress");
        assertFalse(policyProblems(ingressOnly, labels).isEmpty(), "egress not restricted");
        ObjectNode noApi = policy(objects).deepCopy();
        ((ArrayNode) noApi.at("/spec/egress")).remove(2);
        assertFalse(policyProblems(noApi, labels).isEmpty(), "discovery cannot reach the Kubernetes API");
    }

    // ---- 3. Pod Security "restricted" ----

    private static final Set<String> RESTRICTED_VOLUMES = Set.of("configMap", "csi", "downwardAPI", "emptyDir",
            "ephemeral", "persistentVolumeClaim", "projected", "secret");
    private static final Set<String> SELINUX_TYPES = Set.of("", "container_t", "container_init_t", "container_kvm_t",
            "container_engine_t");

    /**
     * Violations of the Pod Security Standards' "restricted" profile (baseline included) by a pod spec, as the
     * admission controller checks them, plus this project's rules: a read-only root filesystem and the image's
     * numeric user and group.
     */
    static List<String> restrictedViolations(JsonNode pod) {
        List<String> v = new ArrayList<>();
        for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (pod.path(host).asBoolean(false)) {
                v.add(host);
            }
        }
        for (JsonNode vol : pod.path("volumes")) {
            vol.fieldNames().forEachRemaining(f -> {
                if (!f.equals("name") && !RESTRICTED_VOLUMES.contains(f)) {
                    v.add("volume " + vol.path("name").asText() + " of type " + f);
                }
            });
        }
        JsonNode psc = pod.path("securityContext");
        pod.at("/securityContext/sysctls").forEach(s -> v.add("sysctl " + s.path("name").asText()));
        if (psc.path("runAsUser").asInt(-1) == 0) {
            v.add("pod runAsUser 0");
        }
        String podSeccomp = psc.at("/seccompProfile/type").asText("");
        if (podSeccomp.equals("Unconfined")) {
            v.add("pod seccomp Unconfined");
        }
        if (!SELINUX_TYPES.contains(psc.at("/seLinuxOptions/type").asText(""))
                || psc.at("/seLinuxOptions").has("user") || psc.at("/seLinuxOptions").has("role")) {
            v.add("pod seLinuxOptions");
        }
        if (psc.at("/appArmorProfile/type").asText("").equals("Unconfined")) {
            v.add("pod AppArmor Unconfined");
        }
        if (psc.at("/windowsOptions/hostProcess").asBoolean(false)) {
            v.add("pod hostProcess");
        }
        if (psc.path("runAsGroup").asInt(image.gid()) != image.gid()
                || psc.path("fsGroup").asInt(image.gid()) != image.gid()) {
            v.add("pod group is not the image's group " + image.gid());
        }
        for (JsonNode c : allContainers(pod)) {
            String n = "container " + c.path("name").asText() + ": ";
            JsonNode sc = c.path("securityContext");
            if (sc.path("privileged").asBoolean(false)) {
                v.add(n + "privileged");
            }
            if (!sc.has("allowPrivilegeEscalation") || sc.get("allowPrivilegeEscalation").asBoolean()) {
                v.add(n + "allowPrivilegeEscalation must be false");
            }
            List<String> drop = StreamSupport.stream(sc.at("/capabilities/drop").spliterator(), false)
                    .map(JsonNode::asText).toList();
            if (!drop.contains("ALL")) {
                v.add(n + "capabilities must drop ALL");
            }
            sc.at("/capabilities/add").forEach(a -> {
                if (!a.asText().equals("NET_BIND_SERVICE")) {
                    v.add(n + "adds capability " + a.asText());
                }
            });
            boolean nonRoot = sc.has("runAsNonRoot") ? sc.get("runAsNonRoot").asBoolean()
                    : psc.path("runAsNonRoot").asBoolean(false);
            if (!nonRoot) {
                v.add(n + "runAsNonRoot must be true");
            }
            int uid = sc.path("runAsUser").asInt(psc.path("runAsUser").asInt(-1));
            if (uid == 0) {
                v.add(n + "runAsUser 0");
            }
            if (uid != image.uid()) {
                v.add(n + "runAsUser " + uid + " is not the image's user " + image.uid());
            }
            if (sc.path("runAsGroup").asInt(image.gid()) != image.gid()) {
                v.add(n + "runAsGroup is not the image's group " + image.gid());
            }
            String seccomp = sc.at("/seccompProfile/type").asText(podSeccomp);
            if (!seccomp.equals("RuntimeDefault") && !seccomp.equals("Localhost")) {
                v.add(n + "seccompProfile must be RuntimeDefault or Localhost, is '" + seccomp + "'");
            }
            if (!SELINUX_TYPES.contains(sc.at("/seLinuxOptions/type").asText(""))
                    || sc.at("/seLinuxOptions").has("user") || sc.at("/seLinuxOptions").has("role")) {
                v.add(n + "seLinuxOptions");
            }
            if (sc.at("/appArmorProfile/type").asText("").equals("Unconfined")) {
                v.add(n + "AppArmor Unconfined");
            }
            if (!sc.path("procMount").asText("Default").equals("Default")) {
                v.add(n + "procMount");
            }
            if (sc.at("/windowsOptions/hostProcess").asBoolean(false)) {
                v.add(n + "hostProcess");
            }
            c.path("ports").forEach(p -> {
                if (p.path("hostPort").asInt(0) != 0) {
                    v.add(n + "hostPort " + p.get("hostPort"));
                }
            });
            if (!sc.path("readOnlyRootFilesystem").asBoolean(false)) {
                v.add(n + "readOnlyRootFilesystem must be true");
            }
        }
        return v;
    }

    @Test
    void everyPodPassesTheRestrictedPodSecurityLevel() {
        rendered.forEach((name, objects) -> {
            List<JsonNode> pods = podSpecs(objects);
            assertFalse(pods.isEmpty(), name);
            pods.forEach(p -> assertEquals(List.of(), restrictedViolations(p), name));
        });
    }

    @Test
    void theRestrictedCheckFindsEachWeakening() {
        JsonNode pod = podSpecs(rendered.get("base")).get(0);
        Map<String, java.util.function.Consumer<ObjectNode>> weakenings = new LinkedHashMap<>();
        weakenings.put("escalation", p -> ((ObjectNode) p.at("/containers/0/securityContext"))
                .put("allowPrivilegeEscalation", true));
        weakenings.put("capabilities", p -> ((ObjectNode) p.at("/containers/0/securityContext/capabilities"))
                .putArray("drop").add("NET_RAW"));
        weakenings.put("root", p -> {
            ((ObjectNode) p.at("/containers/0/securityContext")).remove("runAsNonRoot");
            ((ObjectNode) p.get("securityContext")).remove("runAsNonRoot");
        });
        weakenings.put("seccomp", p -> {
            ((ObjectNode) p.at("/containers/0/securityContext")).remove("seccompProfile");
            ((ObjectNode) p.get("securityContext")).remove("seccompProfile");
        });
        weakenings.put("writable root", p -> ((ObjectNode) p.at("/containers/0/securityContext"))
                .put("readOnlyRootFilesystem", false));
        weakenings.put("hostPath", p -> ((ArrayNode) p.get("volumes")).addObject().put("name", "h")
                .putObject("hostPath").put("path", "/"));
        weakenings.put("hostNetwork", p -> p.put("hostNetwork", true));
        weakenings.put("other user", p -> ((ObjectNode) p.at("/containers/0/securityContext"))
                .put("runAsUser", 1000));
        weakenings.forEach((what, change) -> {
            ObjectNode copy = pod.deepCopy();
            change.accept(copy);
            assertFalse(restrictedViolations(copy).isEmpty(), what + " went unnoticed");
        });
    }

    // ---- 3b. Read-only root, writable volumes for what the node writes ----

    /**
     * The paths the node writes: its data dir (node.dataDir: membership.json, Ignite's work directory, local copies,
     * dumps), the JVM's working directory (crash files), and java.io.tmpdir (the JVM's perf data).
     */
    static List<String> writtenPaths(JsonNode container) {
        String dataDir = env(container, "HEARTH_NODE_DATA_DIR");
        return List.of(dataDir == null ? image.env().get("HEARTH_NODE_DATA_DIR") : dataDir, image.workdir(), "/tmp");
    }

    @Test
    void everyPathTheNodeWritesIsAWritableVolume() throws IOException {
        assertEquals(image.env().get("HEARTH_NODE_DATA_DIR"), env(container(rendered.get("base")),
                "HEARTH_NODE_DATA_DIR"), "the image and the manifests must agree on the data dir");
        JsonNode config = Kustomize.YAML.readTree(KustomizeRenderTest.generated(rendered.get("base"), "ConfigMap",
                "hearth-config").at("/data/hearth.yaml").asText());
        assertTrue(config.at("/node/dataDir").isMissingNode(), "the data dir is set in one place (the env)");
        rendered.forEach((name, objects) -> {
            ObjectNode sts = sts(objects);
            JsonNode c = container(objects);
            Map<String, JsonNode> volumes = new HashMap<>();
            sts.at("/spec/template/spec/volumes").forEach(v -> volumes.put(v.get("name").asText(), v));
            Set<String> claims = new TreeSet<>();
            sts.at("/spec/volumeClaimTemplates").forEach(t -> claims.add(t.at("/metadata/name").asText()));
            for (String path : writtenPaths(c)) {
                boolean writable = false;
                for (JsonNode m : c.path("volumeMounts")) {
                    String at = m.get("mountPath").asText();
                    String v = m.get("name").asText();
                    boolean scratch = claims.contains(v) || volumes.containsKey(v) && volumes.get(v).has("emptyDir");
                    if ((path.equals(at) || path.startsWith(at + "/")) && scratch && !m.path("readOnly")
                            .asBoolean(false) && !m.has("subPath")) {
                        writable = true;
                    }
                }
                assertTrue(writable, name + ": the node writes " + path + " but no writable volume is mounted there");
            }
            for (JsonNode m : c.path("volumeMounts")) {
                JsonNode v = volumes.get(m.get("name").asText());
                if (v != null && (v.has("secret") || v.has("configMap"))) {
                    assertTrue(m.path("readOnly").asBoolean(false), name + ": mount " + m + " must be read-only");
                    assertFalse(m.has("subPath"), name + ": " + m + ": a subPath mount never sees an update");
                }
            }
        });
    }

    // ---- 4. Secrets as files; TLS in overlays/secure ----

    /** The Secret and key that provide {@code file} in the container, or a failed assertion saying why none does. */
    static String secretFile(JsonNode podSpec, JsonNode container, String file, String where) {
        assertNotNull(file, where);
        for (JsonNode m : container.path("volumeMounts")) {
            String dir = m.get("mountPath").asText();
            if (!file.startsWith(dir + "/")) {
                continue;
            }
            String rel = file.substring(dir.length() + 1);
            for (JsonNode v : podSpec.path("volumes")) {
                if (v.get("name").asText().equals(m.get("name").asText()) && v.has("secret")) {
                    JsonNode s = v.get("secret");
                    assertFalse(s.path("optional").asBoolean(false), where + ": Secret " + s.get("secretName")
                            + " is optional: a pod without it would start without the protection");
                    for (JsonNode item : s.path("items")) {
                        if (item.get("path").asText().equals(rel)) {
                            return s.get("secretName").asText() + "/" + item.get("key").asText();
                        }
                    }
                }
            }
        }
        throw new AssertionError(where + ": no Secret provides " + file);
    }

    @Test
    void secretsArriveAsFilesFromRequiredSecrets() {
        rendered.forEach((name, objects) -> {
            JsonNode pod = sts(objects).at("/spec/template/spec");
            JsonNode c = container(objects);
            for (JsonNode e : c.path("env")) {
                assertFalse(e.at("/valueFrom/secretKeyRef").isObject(), name + ": " + e.get("name")
                        + " takes a Secret's value into the environment; mount it as a file");
                assertFalse(Set.of("HEARTH_ADMIN_TOKEN", "HEARTH_CLUSTER_SECRET").contains(e.get("name").asText()),
                        name + ": a secret as a plain env value");
            }
            assertEquals("hearth-admin-token/token", secretFile(pod, c, env(c, "HEARTH_ADMIN_TOKEN_FILE"),
                    name + " HEARTH_ADMIN_TOKEN_FILE"));
            assertEquals("hearth-cluster-secret/secret", secretFile(pod, c, env(c, "HEARTH_CLUSTER_SECRET_FILE"),
                    name + " HEARTH_CLUSTER_SECRET_FILE"));
            boolean tls = "true".equals(env(c, "HEARTH_TLS_ENABLED"));
            assertEquals(List.of(), probeProblems(c, tls), name);
            Map<String, String> files = Map.of("HEARTH_TLS_CERT_FILE", "tls.crt", "HEARTH_TLS_KEY_FILE", "tls.key",
                    "HEARTH_TLS_CA_FILE", "ca.crt");
            files.forEach((v, key) -> {
                if (tls) {
                    assertEquals("hearth-tls/" + key, secretFile(pod, c, env(c, v), name + " " + v));
                } else {
                    assertEquals(null, env(c, v), name + ": " + v + " without TLS on");
                }
            });
        });
        JsonNode secure = container(rendered.get("overlays/secure"));
        assertEquals("true", env(secure, "HEARTH_TLS_ENABLED"), "overlays/secure turns TLS on");
    }

    /**
     * Problems with the probes of a container: without TLS, kubelet's own HTTP GET on the admin port; with TLS,
     * bin/hearth-probe (as the image installs it), since mutual TLS on the admin port completes no handshake without
     * the client certificate kubelet never presents.
     */
    static List<String> probeProblems(JsonNode c, boolean tls) {
        List<String> problems = new ArrayList<>();
        for (String probe : List.of("readiness", "liveness", "startup")) {
            JsonNode p = c.path(probe + "Probe");
            String route = probe.equals("readiness") ? "ready" : "live";
            if (tls) {
                List<String> command = StreamSupport.stream(p.at("/exec/command").spliterator(), false)
                        .map(JsonNode::asText).toList();
                if (!command.equals(List.of("/opt/hearth/bin/hearth-probe", route)) || p.has("httpGet")) {
                    problems.add(probe + ": with TLS on, exec /opt/hearth/bin/hearth-probe " + route + ", is " + p);
                }
            } else if (!p.at("/httpGet/path").asText().equals("/health/" + route)
                    || !p.at("/httpGet/port").asText().equals("admin")
                    || !p.at("/httpGet/scheme").asText("HTTP").equals("HTTP")) {
                problems.add(probe + ": without TLS, HTTP GET /health/" + route + " on the admin port, is " + p);
            }
        }
        return problems;
    }

    @Test
    void theProbeCheckNoticesAProbeThatCannotPass() {
        JsonNode secure = container(rendered.get("overlays/secure"));
        assertFalse(probeProblems(container(rendered.get("base")), true).isEmpty(), "httpGet with mutual TLS on");
        assertFalse(probeProblems(secure, false).isEmpty(), "TLS probe on a plain port");
        ObjectNode https = container(rendered.get("base")).deepCopy();
        ((ObjectNode) https.at("/readinessProbe/httpGet")).put("scheme", "HTTPS");
        assertFalse(probeProblems(https, false).isEmpty(), "HTTPS probe on a plain port");
    }

    @Test
    void everyEnvVarOfEveryRenderingNamesAConfigKey() {
        List<String> keys = KubernetesManifestsTest.envKeys(nodeDefaults, "");
        rendered.forEach((name, objects) -> container(objects).path("env").forEach(e -> {
            String v = e.get("name").asText();
            assertTrue(KubernetesManifestsTest.NOT_CONFIG_KEYS.contains(v) || keys.contains(v),
                    name + ": " + v + " is no config key");
        }));
    }

    // ---- The namespace enforces "restricted" ----

    @Test
    void everyOverlayNamespaceEnforcesTheRestrictedLevel() {
        KustomizeRenderTest.kustomizations().forEach((name, dir) -> {
            JsonNode ns = Kustomize.read(dir.resolve("kustomization.yaml")).get(0).path("namespace");
            if (ns.isMissingNode()) {
                return;
            }
            ObjectNode namespace = KustomizeRenderTest.find(rendered.get(name), "Namespace", ns.asText());
            assertEquals("restricted", namespace.at("/metadata/labels/pod-security.kubernetes.io~1enforce").asText(),
                    name + ": namespace " + ns.asText() + " must enforce the restricted level");
        });
    }
}
