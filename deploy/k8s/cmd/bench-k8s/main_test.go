package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rtip/deploy/k8s/internal/merge"
)

// fakeKubectl stands in for kubectl: it answers the calls bench-k8s makes, as a cluster with the k6-operator
// would, and logs each call. FAKE_* variables break it in the ways the refusals are about.
const fakeKubectl = `#!/bin/bash
echo "$*" >> "$FAKE_DIR/calls.log"
args=()
while [ $# -gt 0 ]; do case "$1" in --context|--namespace) shift 2;; *) args+=("$1"); shift;; esac; done
set -- "${args[@]}"
case "$1 $2" in
"config current-context")
  [ -n "$FAKE_CONTEXT" ] || { echo "error: current-context is not set" >&2; exit 1; }
  echo "$FAKE_CONTEXT";;
"config get-contexts") echo "$FAKE_CONTEXT";;
"get --raw=/readyz")
  [ -z "$FAKE_DOWN" ] || { echo "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?" >&2; exit 1; }
  echo ok;;
"get --raw=/apis/k6.io/v1alpha1")
  [ -z "$FAKE_NO_OPERATOR" ] || { echo "Error from server (NotFound): the server could not find the requested resource" >&2; exit 1; }
  echo '{"kind":"APIResourceList","groupVersion":"k6.io/v1alpha1","resources":[{"name":"testruns","kind":"TestRun"}]}';;
"apply --server-side")
  n=$(ls "$FAKE_DIR" | grep -c '^applied-'); cat > "$FAKE_DIR/applied-$n.yaml";;
"rollout status") echo "deployment successfully rolled out";;
"get deployment") echo 2;;
"get testrun") echo finished;;
"get pods") echo rtip-k6-results-5d9c7;;
"logs --selector=k6_cr=rtip-load-go,runner=true") echo "k6: 4 requests, 0 dropped";;
"delete "*) ;;
"exec rtip-k6-results-5d9c7")
  script="${!#}"
  case "$script" in
  *"tar cf"*)
    run=$(echo "$script" | sed -n 's/.*tar cf - \(.*\)-\*$/\1/p')
    tmp=$(mktemp -d)
    for r in rtip-load-go-1-x7k2p rtip-load-go-2-q9m4d; do
      cp "$FAKE_RUNNERS/$r.summary.json" "$tmp/$run-$r.summary.json"
      gzip -c "$FAKE_RUNNERS/$r.csv" > "$tmp/$run-$r.csv.gz"
    done
    tar cf - -C "$tmp" .;;
  *"rm -f"*) ;;
  *) echo "unexpected exec $script" >&2; exit 1;;
  esac;;
*) echo "fake kubectl: unexpected call: $*" >&2; exit 1;;
esac
`

func withFakeKubectl(t *testing.T, env map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kubectl"), []byte(fakeKubectl), 0o755); err != nil {
		t.Fatal(err)
	}
	runners, err := filepath.Abs(filepath.Join("..", "..", "internal", "merge", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_DIR", dir)
	t.Setenv("FAKE_RUNNERS", runners)
	for _, k := range []string{"FAKE_CONTEXT", "FAKE_DOWN", "FAKE_NO_OPERATOR"} {
		t.Setenv(k, env[k])
	}
	return dir
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// Without what a run needs, nothing is applied: exit status 2 and exactly one line saying why.
func TestRefusesWithoutACluster(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no kubectl", nil, nil, "bench-k8s: refusing: kubectl is not on PATH (install it and point it at a cluster)"},
		{"no current context", map[string]string{}, nil, "bench-k8s: refusing: kubectl has no current context (pass --context NAME, see kubectl config get-contexts)"},
		{"an unknown context", map[string]string{"FAKE_CONTEXT": "kind-rtip"}, []string{"--context", "prod-eu"},
			`bench-k8s: refusing: kubectl has no context "prod-eu" (see kubectl config get-contexts)`},
		{"a cluster that does not answer", map[string]string{"FAKE_CONTEXT": "kind-rtip", "FAKE_DOWN": "1"}, nil,
			`bench-k8s: refusing: the cluster of context "kind-rtip" does not answer: kubectl get --raw=/readyz --request-timeout=15s: The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?`},
		{"no k6-operator", map[string]string{"FAKE_CONTEXT": "kind-rtip", "FAKE_NO_OPERATOR": "1"}, nil,
			`bench-k8s: refusing: the k6-operator is not installed in context "kind-rtip" (the API has no k6.io/v1alpha1 testruns)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var dir string
			if tc.env == nil {
				t.Setenv("PATH", t.TempDir()) // a PATH without kubectl
			} else {
				dir = withFakeKubectl(t, tc.env)
			}
			code, out, errOut := runCLI(append([]string{"--target", "go"}, tc.args...)...)
			if code != 2 || out != "" || errOut != tc.want+"\n" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 2, nothing, %q", code, out, errOut, tc.want)
			}
			if dir != "" {
				calls, _ := os.ReadFile(filepath.Join(dir, "calls.log"))
				if strings.Contains(string(calls), "apply") {
					t.Fatalf("applied something before refusing:\n%s", calls)
				}
			}
		})
	}
}

func TestRefusesBadFlagsInOneLine(t *testing.T) {
	for args, want := range map[string]string{
		"--target rust":          "bench-k8s: --target must be one of go, go-vips, ts, ts-bun, ts-deno\n",
		"--target go --op sepia": `bench-k8s: --op "sepia" is not an op of bench/scenarios.json` + "\n",
		"--target go --rate 0":   "bench-k8s: --rate, --duration (≥ 1s), --replicas and --cpus must be positive\n",
	} {
		code, _, errOut := runCLI(strings.Fields(args)...)
		if code != 2 || errOut != want {
			t.Fatalf("%s: exit %d, stderr %q; want 2, %q", args, code, errOut, want)
		}
	}
	code, _, errOut := runCLI("--target", "ts", "--image", "12mp", "--dry-run")
	if code != 1 || !strings.Contains(errOut, "ConfigMap rtip-k6-image holds") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// --dry-run renders what a run would apply: the shared objects, one target with the run's settings, its TestRun.
func TestDryRunAppliesOneTargetWithTheRunSettings(t *testing.T) {
	code, out, errOut := runCLI("--target", "ts", "--rate", "450", "--cpus", "4", "--replicas", "3", "--op", "resize800", "--image", "small", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"kind: Namespace", "name: rtip-k6-scripts", "name: rtip-k6-image", "kind: PersistentVolumeClaim", "name: rtip-k6-results",
		"name: rtip-ts\n", "kind: TestRun", "name: rtip-load-ts",
		"parallelism: 3", // 450 req/s at 200 per runner
		"cpu: \"4\"", "maxReplicas: 3", "minReplicas: 3",
		"value: \"450\"", "value: grayscale=true&width=800", "value: /fixtures/photo-small.jpg", "photo-small.jpg: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q", want)
		}
	}
	for _, other := range []string{"rtip-go", "rtip-load-go", "photo-hd.jpg"} {
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(other) + `\b[^-]`).MatchString(out) {
			t.Errorf("dry run of ts carries %s", other)
		}
	}
}

// A whole run against the fake cluster: the order of the calls, what is applied, and the merged result of the
// runners' files collected from the results pod.
func TestRunAgainstAFakeCluster(t *testing.T) {
	saved := pollEvery
	pollEvery = time.Millisecond
	t.Cleanup(func() { pollEvery = saved })
	dir := withFakeKubectl(t, map[string]string{"FAKE_CONTEXT": "kind-rtip"})
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runCLI("--target", "go", "--rate", "5", "--duration", "2s", "--parallelism", "2", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "sent 9, dropped 1, ok 7 (3.5 req/s), errors 2") || !strings.Contains(stdout, "p99 10000.0") {
		t.Fatalf("stdout:\n%s", stdout)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "calls.log"))
	var calls []string
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		// Drop the context/namespace flags: what is called matters here.
		calls = append(calls, regexp.MustCompile(`--(context|namespace) \S+ `).ReplaceAllString(l, ""))
	}
	order := []string{
		"get --raw=/readyz", "apply --server-side", "rollout status deployment/rtip-k6-results", "rollout status deployment/rtip-go",
		"get deployment rtip-go", "delete testrun rtip-load-go --ignore-not-found --wait=true", "apply --server-side",
		"get testrun rtip-load-go", "logs --selector=k6_cr=rtip-load-go,runner=true", "get pods", "exec rtip-k6-results-5d9c7",
		"delete testrun rtip-load-go --ignore-not-found --wait=false", "delete deployment,service,horizontalpodautoscaler,poddisruptionbudget",
	}
	i := 0
	for _, c := range calls {
		if i < len(order) && strings.HasPrefix(c, order[i]) {
			i++
		}
	}
	if i != len(order) {
		t.Fatalf("calls out of order, stuck before %q:\n%s", order[i], strings.Join(calls, "\n"))
	}
	if !strings.Contains(string(raw), "--context kind-rtip --namespace rtip-bench exec") {
		t.Fatalf("calls do not name the context and namespace:\n%s", raw)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "applied-0.yaml"))
	second, _ := os.ReadFile(filepath.Join(dir, "applied-1.yaml"))
	if !strings.Contains(string(first), "name: rtip-go\n") || strings.Contains(string(first), "kind: TestRun") ||
		strings.Contains(string(first), "name: rtip-ts\n") {
		t.Fatalf("first apply must be the shared objects and rtip-go only:\n%s", first)
	}
	var rec runRecord
	recRaw, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err == nil {
		err = json.Unmarshal(recRaw, &rec)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(second), "kind: TestRun") || !strings.Contains(string(second), "parallelism: 2") ||
		!strings.Contains(string(second), "value: "+rec.RunID) || !strings.Contains(string(second), `value: "5"`) {
		t.Fatalf("second apply must be the TestRun with the run's settings:\n%s", second)
	}
	var result merge.Result
	mergedRaw, err := os.ReadFile(filepath.Join(out, "merged.json"))
	if err == nil {
		err = json.Unmarshal(mergedRaw, &result)
	}
	if err != nil {
		t.Fatal(err)
	}
	if result.Sent != 9 || result.Params.Parallelism != 2 || len(result.Runners) != 2 || result.Runners[0].Name != rec.RunID+"-rtip-load-go-1-x7k2p" {
		t.Fatalf("merged.json: %+v", result)
	}
	// The folder merges again on its own.
	code, again, errOut := runCLI("merge", out)
	if code != 0 || again != result.Table() {
		t.Fatalf("merge DIR: exit %d %s\n%s", code, errOut, again)
	}
}
