package metrics

import (
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/rtip/go-service/internal/contract"
)

// TestExportsTheContractsMetrics: every metric of the contract is exported
// with its type, help text and labels, and the label values the contract
// lists exist from the start.
func TestExportsTheContractsMetrics(t *testing.T) {
	zero := func() float64 { return 0 }
	m := New(Gauges{Inflight: zero, Queued: zero, Uploading: zero, UploadReserved: zero, Lingering: zero})
	m.Request("/process", "POST", "200", 0) // a vec has no series before its first use
	m.Rejected(contract.CodeOverloaded)
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, f := range families {
		byName[f.GetName()] = f
	}
	for _, want := range contract.MetricList {
		f := byName[want.Name]
		if f == nil {
			t.Errorf("%s is not exported", want.Name)
			continue
		}
		if got := strings.ToLower(f.GetType().String()); got != want.Type || f.GetHelp() != want.Help {
			t.Errorf("%s: %s %q, want %s %q", want.Name, got, f.GetHelp(), want.Type, want.Help)
		}
		for _, series := range f.GetMetric() {
			var labels []string
			for _, l := range series.GetLabel() {
				labels = append(labels, l.GetName())
			}
			if !sameSet(labels, want.Labels) {
				t.Errorf("%s: labels %v, want %v", want.Name, labels, want.Labels)
			}
			if h := series.GetHistogram(); h != nil && len(h.GetBucket()) != len(contract.DurationBuckets) {
				t.Errorf("%s: %d buckets, want the contract's %d", want.Name, len(h.GetBucket()), len(contract.DurationBuckets))
			}
		}
	}
	values := func(name, label string) []string {
		var out []string
		for _, series := range byName[name].GetMetric() {
			for _, l := range series.GetLabel() {
				if l.GetName() == label {
					out = append(out, l.GetValue())
				}
			}
		}
		return out
	}
	for _, tt := range []struct {
		metric contract.Metric
		label  string
		want   []string
	}{
		{contract.Metrics.StageDuration, "stage", contract.Stages},
		{contract.Metrics.LingerCloses, "outcome", contract.LingerOutcomes},
		{contract.Metrics.Shed, "reason", contract.ShedReasons},
	} {
		if got := values(tt.metric.Name, tt.label); !sameSet(got, tt.want) {
			t.Errorf("%s{%s}: %v at the start, want %v", tt.metric.Name, tt.label, got, tt.want)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
