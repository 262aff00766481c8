package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// kubectl runs the user's kubectl against one context and namespace: the cluster is reached only through it,
// with the user's own kubeconfig and credentials.
type kubectl struct {
	bin       string
	context   string
	namespace string
}

// refusal is a precondition that is not met: the run stops before anything is applied, with one line saying why.
type refusal struct{ msg string }

func (r refusal) Error() string { return r.msg }

func refuse(format string, a ...any) error { return refusal{fmt.Sprintf(format, a...)} }

func (k *kubectl) args(args ...string) []string {
	out := []string{}
	if k.context != "" {
		out = append(out, "--context", k.context)
	}
	if k.namespace != "" {
		out = append(out, "--namespace", k.namespace)
	}
	return append(out, args...)
}

// run returns kubectl's stdout; a failure carries the first line of its stderr.
func (k *kubectl) run(stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command(k.bin, k.args(args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("kubectl %s: %s", strings.Join(args, " "), firstLine(errb.String(), err))
	}
	return out.Bytes(), nil
}

// stream runs kubectl with its stdout going to w (large outputs: the results archive).
func (k *kubectl) stream(w io.Writer, args ...string) error {
	cmd := exec.Command(k.bin, k.args(args...)...)
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kubectl %s: %s", strings.Join(args, " "), firstLine(errb.String(), err))
	}
	return nil
}

func firstLine(s string, fallback error) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return fallback.Error()
}

// preflight finds kubectl, a context, a cluster that answers and the k6-operator's CRD, or refuses.
func preflight(context string) (*kubectl, error) {
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		return nil, refuse("kubectl is not on PATH (install it and point it at a cluster)")
	}
	k := &kubectl{bin: bin}
	if context == "" {
		out, err := k.run(nil, "config", "current-context")
		if err != nil || strings.TrimSpace(string(out)) == "" {
			return nil, refuse("kubectl has no current context (pass --context NAME, see kubectl config get-contexts)")
		}
		context = strings.TrimSpace(string(out))
	} else {
		out, err := k.run(nil, "config", "get-contexts", "--output=name")
		if err != nil {
			return nil, refuse("kubectl cannot list its contexts: %v", err)
		}
		if !containsLine(string(out), context) {
			return nil, refuse("kubectl has no context %q (see kubectl config get-contexts)", context)
		}
	}
	k.context = context
	if _, err := k.run(nil, "get", "--raw=/readyz", "--request-timeout=15s"); err != nil {
		return nil, refuse("the cluster of context %q does not answer: %v", context, err)
	}
	// API discovery, which every authenticated user may read (reading the CRD itself needs cluster rights).
	if out, err := k.run(nil, "get", "--raw=/apis/k6.io/v1alpha1"); err != nil || !strings.Contains(string(out), `"testruns"`) {
		return nil, refuse("the k6-operator is not installed in context %q (the API has no k6.io/v1alpha1 testruns)", context)
	}
	return k, nil
}

func containsLine(s, want string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}

func isRefusal(err error) bool {
	var r refusal
	return errors.As(err, &r)
}
