// Command bench-k8s runs one benchmark phase of one target on a Kubernetes cluster: it renders the bench overlay
// with the kustomize API, sets the run's rate, duration, CPUs and replicas, checks the result with the same
// checks as the tests, applies the target and its k6-operator TestRun with the user's kubectl, waits for the
// runners, collects their summaries and per-request CSVs from the results volume and merges them into one result.
//
//	bench-k8s --target go --rate 400 --duration 60s [--context NAME] [--parallelism N] [--replicas 2] [--cpus 2]
//	bench-k8s --target go --dry-run          # print what would be applied; needs no cluster
//	bench-k8s merge DIR                      # merge a collected run again
//
// Without kubectl, a context, a cluster that answers or the k6-operator, it refuses before applying anything:
// exit status 2 and one line on stderr.
package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtip/deploy/k8s/internal/merge"
	"github.com/rtip/deploy/k8s/manifests"
)

// Names in the bench overlay (overlays/bench) the run works with.
const (
	benchOverlay     = "overlays/bench"
	resultsApp       = "rtip-k6-results"
	resultsContainer = "results"
	resultsMount     = "/results"
	fieldManager     = "rtip-bench-k8s"
	// ratePerRunner is the default share of one k6 runner (1 CPU, 2 GiB: process.js pre-allocates one VU per
	// request per second, each with its own copy of the image).
	ratePerRunner = 200
)

// pollEvery is how often the run looks at the cluster while waiting (shortened by the tests).
var pollEvery = 5 * time.Second

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// runRecord is written to the run's folder before anything is applied: what was asked, so `merge` can redo
// the figures from the raw files alone.
type runRecord struct {
	RunID     string       `json:"runId"`
	Context   string       `json:"context"`
	Namespace string       `json:"namespace"`
	TestRun   string       `json:"testRun"`
	Started   string       `json:"started"`
	CPUs      int          `json:"cpus"`
	Replicas  int          `json:"replicas"`
	Query     string       `json:"query"`
	Fixture   string       `json:"fixture"`
	Params    merge.Params `json:"params"`
}

var runIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return mergeCommand(args[1:], stdout, stderr)
	}
	fail := func(code int, err error) int {
		prefix := "bench-k8s: "
		if isRefusal(err) {
			prefix += "refusing: "
		}
		fmt.Fprintln(stderr, prefix+strings.ReplaceAll(err.Error(), "\n", "; "))
		return code
	}
	fs := flag.NewFlagSet("bench-k8s", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "implementation to load: one of the contract's (go, ts, go-vips, ts-bun, ts-deno)")
	kubeContext := fs.String("context", "", "kubectl context (default: the current one)")
	rate := fs.Int("rate", 100, "total arrival rate, requests per second, over all runners")
	duration := fs.Duration("duration", 60*time.Second, "length of the phase")
	parallelism := fs.Int("parallelism", 0, fmt.Sprintf("k6 runner pods (default: one per %d req/s)", ratePerRunner))
	replicas := fs.Int("replicas", 2, "pods of the target (the autoscaler is pinned to this)")
	cpus := fs.Int("cpus", 2, "whole CPUs per pod (CONCURRENCY, GOMAXPROCS and UV_THREADPOOL_SIZE follow)")
	op := fs.String("op", "grayscale", "operation from bench/scenarios.json")
	image := fs.String("image", "hd", "image from bench/scenarios.json (at most 1 MiB: it travels in a ConfigMap)")
	accessMode := fs.String("access-mode", "ReadWriteMany", "results volume access mode (ReadWriteOnce on a single-node cluster)")
	storageClass := fs.String("storage-class", "", "results volume storage class (default: the cluster's)")
	out := fs.String("out", "", "folder for the run's files (default: deploy/k8s/results/<run id>)")
	keep := fs.Bool("keep", false, "leave the target's pods running afterwards")
	dryRun := fs.Bool("dry-run", false, "print the objects that would be applied and stop")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		return fail(2, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}

	root, err := manifests.RepoRoot(".")
	if err != nil {
		return fail(2, err)
	}
	contract, err := manifests.LoadContract(root)
	if err != nil {
		return fail(1, err)
	}
	scenarios, err := manifests.LoadScenarios(root)
	if err != nil {
		return fail(1, err)
	}
	if _, ok := contract.Ports[*target]; !ok {
		return fail(2, fmt.Errorf("--target must be one of %s", strings.Join(contract.Targets(), ", ")))
	}
	opDef, okOp := scenarios.Ops[*op]
	imgDef, okImg := scenarios.Images[*image]
	switch {
	case !okOp:
		return fail(2, fmt.Errorf("--op %q is not an op of %s", *op, manifests.ScenariosPath))
	case !okImg:
		return fail(2, fmt.Errorf("--image %q is not an image of %s", *image, manifests.ScenariosPath))
	case *rate < 1 || *duration < time.Second || *replicas < 1 || *cpus < 1 || *parallelism < 0:
		return fail(2, errors.New("--rate, --duration (≥ 1s), --replicas and --cpus must be positive"))
	case *accessMode != "ReadWriteMany" && *accessMode != "ReadWriteOnce":
		return fail(2, errors.New("--access-mode must be ReadWriteMany or ReadWriteOnce"))
	}
	if *parallelism == 0 {
		*parallelism = max(1, int(math.Ceil(float64(*rate)/ratePerRunner)))
	}

	var k *kubectl
	if !*dryRun {
		if k, err = preflight(*kubeContext); err != nil {
			return fail(2, err)
		}
	}

	runID := fmt.Sprintf("%s-%s", *target, time.Now().UTC().Format("20060102-150405"))
	s := settings{
		cpus: *cpus, replicas: *replicas, parallelism: *parallelism, rate: *rate, durationS: duration.Seconds(),
		query: opDef.Query, fixture: imgDef.Fixture, runID: runID, accessMode: *accessMode, storageClass: *storageClass,
	}
	plan, err := prepare(root, contract, *target, s)
	if err != nil {
		return fail(1, err)
	}
	if *dryRun {
		for _, doc := range append(slices.Clone(plan.apply), plan.testRun) {
			fmt.Fprintf(stdout, "---\n%s", doc)
		}
		return 0
	}

	dir := *out
	if dir == "" {
		dir = filepath.Join(root, manifests.K8sDir, "results", runID)
	}
	rec := runRecord{
		RunID: runID, Context: k.context, Namespace: plan.namespace, TestRun: plan.testRunName,
		Started: time.Now().UTC().Format(time.RFC3339), CPUs: *cpus, Replicas: *replicas, Query: opDef.Query, Fixture: imgDef.Fixture,
		Params: merge.Params{
			Target: *target, OfferedRate: float64(*rate), DurationS: duration.Seconds(),
			SloP99Ms: scenarios.SloP99Ms, Parallelism: *parallelism,
		},
	}
	k.namespace = plan.namespace
	result, err := execute(k, plan, rec, dir, *keep, scenarios.RequestTimeoutS, stderr)
	if err != nil {
		return fail(1, err)
	}
	fmt.Fprint(stdout, result.Table())
	fmt.Fprintf(stdout, "files: %s\n", dir)
	return 0
}

// plan is what a run applies: shared objects and the target's, then its TestRun.
type plan struct {
	namespace   string
	deployment  string
	testRunName string
	apply       [][]byte
	testRun     []byte
}

// prepare renders the bench overlay, applies the run's settings to every target alike, checks the result
// (the same checks as `go test`) and keeps the shared objects and the chosen target's.
func prepare(root string, contract *manifests.Contract, target string, s settings) (*plan, error) {
	objs, err := manifests.Render(filepath.Join(root, manifests.K8sDir, benchOverlay))
	if err != nil {
		return nil, err
	}
	if err := patch(root, objs, s); err != nil {
		return nil, err
	}
	schema, err := manifests.RepoTestRunSchema(root)
	if err != nil {
		return nil, err
	}
	m, err := manifests.Decode(objs, schema)
	if err != nil {
		return nil, err
	}
	if err := manifests.RunChecks(&manifests.Env{Contract: contract, RepoRoot: root, RequireLoad: true}, m); err != nil {
		return nil, fmt.Errorf("the manifests for this run fail their checks: %w", err)
	}
	p := &plan{}
	for _, o := range objs {
		inst, has := o.Labels[manifests.InstanceLabel]
		if has && inst != target {
			continue
		}
		doc, err := o.YAML()
		if err != nil {
			return nil, err
		}
		switch {
		case o.Kind == "Namespace":
			p.namespace = o.Name
			p.apply = append([][]byte{doc}, p.apply...)
		case o.Kind == "TestRun":
			p.testRunName, p.testRun = o.Name, doc
		default:
			if o.Kind == "Deployment" && has {
				p.deployment = o.Name
			}
			p.apply = append(p.apply, doc)
		}
	}
	if p.namespace == "" || p.testRun == nil || p.deployment == "" {
		return nil, fmt.Errorf("%s has no Namespace, TestRun or Deployment for target %s", benchOverlay, target)
	}
	return p, nil
}

func join(docs [][]byte) []byte {
	var b []byte
	for _, d := range docs {
		b = append(b, "---\n"...)
		b = append(b, d...)
	}
	return b
}

func execute(k *kubectl, p *plan, rec runRecord, dir string, keep bool, timeoutS float64, log io.Writer) (*merge.Result, error) {
	say := func(format string, a ...any) { fmt.Fprintf(log, "bench-k8s: "+format+"\n", a...) }
	if !runIDPattern.MatchString(rec.RunID) {
		return nil, fmt.Errorf("run id %q", rec.RunID)
	}
	raw := filepath.Join(dir, "raw")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(dir, "run.json"), rec); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.yaml"), join(append(slices.Clone(p.apply), p.testRun)), 0o644); err != nil {
		return nil, err
	}

	say("applying %s and the shared objects to namespace %s (context %s)", p.deployment, p.namespace, k.context)
	// Server-side: the image ConfigMap is larger than the last-applied annotation client-side apply would add.
	applyArgs := []string{"apply", "--server-side", "--force-conflicts", "--field-manager=" + fieldManager, "--filename=-"}
	if _, err := k.run(join(p.apply), applyArgs...); err != nil {
		return nil, err
	}
	if !keep {
		defer func() {
			say("removing %s (--keep leaves it)", p.deployment)
			sel := manifests.InstanceLabel + "=" + rec.Params.Target + "," + manifests.NameLabel + "=" + manifests.AppName
			if _, err := k.run(nil, "delete", "deployment,service,horizontalpodautoscaler,poddisruptionbudget", "--selector="+sel, "--wait=false"); err != nil {
				say("warning: %v", err)
			}
		}()
	}
	if _, err := k.run(nil, "rollout", "status", "deployment/"+resultsApp, "--timeout=5m"); err != nil {
		return nil, fmt.Errorf("the results pod did not start (is the volume bound? a single-node cluster needs --access-mode ReadWriteOnce): %w", err)
	}
	if _, err := k.run(nil, "rollout", "status", "deployment/"+p.deployment, "--timeout=5m"); err != nil {
		return nil, err
	}
	// The autoscaler brings the count to --replicas after the rollout's first pod: wait for all of them.
	want := strconv.Itoa(rec.Replicas)
	if err := waitFor(5*time.Minute, func() (bool, error) {
		out, err := k.run(nil, "get", "deployment", p.deployment, "--output=jsonpath={.status.readyReplicas}")
		return strings.TrimSpace(string(out)) == want, err
	}); err != nil {
		return nil, fmt.Errorf("%s did not reach %s ready pods: %w", p.deployment, want, err)
	}

	// A TestRun runs once: the previous one of this target goes first.
	if _, err := k.run(nil, "delete", "testrun", p.testRunName, "--ignore-not-found", "--wait=true", "--timeout=2m"); err != nil {
		return nil, err
	}
	say("starting TestRun %s: %g req/s for %g s over %d runners (run %s)", p.testRunName, rec.Params.OfferedRate, rec.Params.DurationS, rec.Params.Parallelism, rec.RunID)
	if _, err := k.run(p.testRun, applyArgs...); err != nil {
		return nil, err
	}
	defer func() {
		if _, err := k.run(nil, "delete", "testrun", p.testRunName, "--ignore-not-found", "--wait=false"); err != nil {
			say("warning: %v", err)
		}
	}()
	// Initializer, runners' start, the phase, gracefulStop (TIMEOUT_S), the summary: generous, never endless.
	limit := time.Duration((rec.Params.DurationS+timeoutS)*float64(time.Second)) + 15*time.Minute
	var stage string
	if err := waitFor(limit, func() (bool, error) {
		out, err := k.run(nil, "get", "testrun", p.testRunName, "--output=jsonpath={.status.stage}")
		stage = strings.TrimSpace(string(out))
		return stage == "finished" || stage == "error", err
	}); err != nil {
		return nil, fmt.Errorf("TestRun %s did not finish (stage %q): %w", p.testRunName, stage, err)
	}
	runnerSel := "k6_cr=" + p.testRunName + ",runner=true"
	if logs, err := k.run(nil, "logs", "--selector="+runnerSel, "--prefix", "--tail=-1", fmt.Sprintf("--max-log-requests=%d", rec.Params.Parallelism+1)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "runners.log"), logs, 0o644)
	} else {
		say("warning: runner logs: %v", err)
	}
	if stage == "error" {
		return nil, fmt.Errorf("TestRun %s ended in stage error (kubectl describe testrun %s; runners.log in %s)", p.testRunName, p.testRunName, dir)
	}

	say("collecting the runners' files of run %s", rec.RunID)
	pod, err := k.run(nil, "get", "pods", "--selector=app.kubernetes.io/name="+resultsApp, "--field-selector=status.phase=Running",
		"--output=jsonpath={.items[0].metadata.name}")
	if err != nil || strings.TrimSpace(string(pod)) == "" {
		return nil, fmt.Errorf("no running results pod: %v", err)
	}
	podName := strings.TrimSpace(string(pod))
	if err := collect(k, podName, rec.RunID, raw); err != nil {
		return nil, err
	}
	if _, err := k.run(nil, "exec", podName, "--container="+resultsContainer, "--", "sh", "-c",
		fmt.Sprintf("rm -f %s/%s-*", resultsMount, rec.RunID)); err != nil {
		say("warning: the run's files stay on the results volume: %v", err)
	}
	return mergeDir(dir, rec.Params)
}

// collect copies the run's files off the results volume (kubectl exec … tar, as kubectl cp does) into dir.
func collect(k *kubectl, pod, runID, dir string) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := k.stream(pw, "exec", pod, "--container="+resultsContainer, "--", "sh", "-c",
			fmt.Sprintf("cd %s && tar cf - %s-*", resultsMount, runID))
		pw.CloseWithError(err)
		done <- err
	}()
	n, err := untar(pr, dir)
	if err == nil {
		// tar pads its archive past the end marker: read it all, or kubectl would write into a closed pipe.
		_, err = io.Copy(io.Discard, pr)
	}
	_ = pr.CloseWithError(err)
	if cerr := <-done; cerr != nil {
		return fmt.Errorf("no files of run %s on the results volume: %w", runID, cerr)
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no files of run %s on the results volume", runID)
	}
	return nil
}

// untar writes the archive's regular files into dir by their base names (nothing may land outside dir).
func untar(r io.Reader, dir string) (int, error) {
	tr := tar.NewReader(r)
	n := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Base(h.Name)
		if name == "." || name == ".." || name == string(filepath.Separator) {
			continue
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return n, err
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

func waitFor(limit time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	var last error
	for {
		ok, err := done()
		if ok {
			return nil
		}
		last = err
		if time.Now().After(deadline) {
			if last != nil {
				return last
			}
			return fmt.Errorf("not within %s", limit)
		}
		time.Sleep(pollEvery)
	}
}

func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

func mergeDir(dir string, p merge.Params) (*merge.Result, error) {
	runners, err := merge.LoadDir(filepath.Join(dir, "raw"))
	if err != nil {
		return nil, err
	}
	result, err := merge.Merge(runners, p)
	if err != nil {
		return nil, err
	}
	return result, writeJSON(filepath.Join(dir, "merged.json"), result)
}

// mergeCommand merges a collected run again from its folder (run.json and raw/).
func mergeCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "bench-k8s: usage: bench-k8s merge DIR (a run's folder, with run.json and raw/)")
		return 2
	}
	raw, err := os.ReadFile(filepath.Join(args[0], "run.json"))
	var rec runRecord
	if err == nil {
		err = json.Unmarshal(raw, &rec)
	}
	var result *merge.Result
	if err == nil {
		result, err = mergeDir(args[0], rec.Params)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench-k8s: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	fmt.Fprint(stdout, result.Table())
	return 0
}
