package manifests

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// TestRunCRDPath is the vendored k6-operator CRD (see testdata/k6-operator/PROVENANCE.md), relative to K8sDir.
const TestRunCRDPath = "testdata/k6-operator/k6.io_testruns.yaml"

// TestRunSchema validates k6.io TestRuns the way an API server with the k6-operator's CRD installed does:
// unknown fields (which the server would prune, or reject under kubectl's default strict field validation),
// the OpenAPI v3 schema (types, enums, required fields, formats) and list-type uniqueness.
type TestRunSchema struct {
	Group, Version, Kind string
	structural           *structuralschema.Structural
	validator            validation.SchemaValidator
}

// LoadTestRunSchema reads the CRD, decoded strictly with the apiextensions v1 types.
func LoadTestRunSchema(path string) (*TestRunSchema, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := strictUnmarshal(js, &crd); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != "v1alpha1" || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		var internal apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
			return nil, err
		}
		ss, err := structuralschema.NewStructural(&internal)
		if err != nil {
			return nil, fmt.Errorf("%s: not a structural schema: %w", path, err)
		}
		if errs := structuralschema.ValidateStructural(field.NewPath("openAPIV3Schema"), ss); len(errs) > 0 {
			return nil, fmt.Errorf("%s: %w", path, errs.ToAggregate())
		}
		validator, _, err := validation.NewSchemaValidator(&internal)
		if err != nil {
			return nil, err
		}
		return &TestRunSchema{
			Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind,
			structural: ss, validator: validator,
		}, nil
	}
	return nil, fmt.Errorf("%s: no v1alpha1 version with a schema", path)
}

// Validate returns every way obj breaks the schema (nil when it is valid). obj is not modified.
func (s *TestRunSchema) Validate(obj map[string]any) error {
	if got := obj["apiVersion"]; got != s.Group+"/"+s.Version {
		return fmt.Errorf("apiVersion %v, the CRD serves %s/%s", got, s.Group, s.Version)
	}
	if got := obj["kind"]; got != s.Kind {
		return fmt.Errorf("kind %v, the CRD defines %s", got, s.Kind)
	}
	var errs []error
	// Pruning works in place: on a copy, only to learn which fields the schema does not know.
	cp, err := deepCopyJSON(obj)
	if err != nil {
		return err
	}
	unknown := pruning.PruneWithOptions(cp, s.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, p := range unknown {
		errs = append(errs, fmt.Errorf("unknown field %q", p))
	}
	for _, e := range validation.ValidateCustomResource(nil, obj, s.validator) {
		errs = append(errs, e)
	}
	for _, e := range listtype.ValidateListSetsAndMaps(nil, s.structural, obj) {
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

func deepCopyJSON(m map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	err = kjson.UnmarshalCaseSensitivePreserveInts(raw, &out)
	return out, err
}

// RepoTestRunSchema loads the vendored CRD of the repository at repoRoot.
func RepoTestRunSchema(repoRoot string) (*TestRunSchema, error) {
	return LoadTestRunSchema(filepath.Join(repoRoot, K8sDir, TestRunCRDPath))
}

// TestRun mirrors the fields of the k6-operator v1.6.0 CRD (api/v1alpha1/testrun_types.go of grafana/k6-operator,
// Apache-2.0) that a TestRun may set, with the upstream core/v1 types where the operator embeds them, so the
// embedded pod settings are decoded as strictly as a Deployment's. Written here rather than imported: the
// operator's Go module depends on k6 (AGPL-3.0).
type TestRun struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              TestRunSpec `json:"spec"`
}

// TestRunSpec is .spec of a TestRun.
type TestRunSpec struct {
	Script      TestRunScript          `json:"script"`
	Parallelism int32                  `json:"parallelism"`
	Separate    bool                   `json:"separate,omitempty"`
	Arguments   string                 `json:"arguments,omitempty"`
	Args        []string               `json:"args,omitempty"`
	Ports       []corev1.ContainerPort `json:"ports,omitempty"`
	Initializer *TestRunPod            `json:"initializer,omitempty"`
	Starter     *TestRunPod            `json:"starter,omitempty"`
	Runner      TestRunPod             `json:"runner,omitempty"`
	Quiet       string                 `json:"quiet,omitempty"`
	Paused      string                 `json:"paused,omitempty"`
	Cleanup     string                 `json:"cleanup,omitempty"`
}

// TestRunScript says where the k6 script comes from.
type TestRunScript struct {
	ConfigMap *struct {
		Name string `json:"name"`
		File string `json:"file,omitempty"`
	} `json:"configMap,omitempty"`
	VolumeClaim *struct {
		Name     string `json:"name"`
		File     string `json:"file,omitempty"`
		ReadOnly bool   `json:"readOnly,omitempty"`
	} `json:"volumeClaim,omitempty"`
	LocalFile string `json:"localFile,omitempty"`
}

// TestRunPod is the operator's pod template (runner, initializer, starter).
type TestRunPod struct {
	Disabled                     bool                              `json:"disabled,omitempty"`
	Affinity                     *corev1.Affinity                  `json:"affinity,omitempty"`
	AutomountServiceAccountToken string                            `json:"automountServiceAccountToken,omitempty"`
	Env                          []corev1.EnvVar                   `json:"env,omitempty"`
	Image                        string                            `json:"image,omitempty"`
	ImagePullSecrets             []corev1.LocalObjectReference     `json:"imagePullSecrets,omitempty"`
	ImagePullPolicy              corev1.PullPolicy                 `json:"imagePullPolicy,omitempty"`
	Metadata                     *TestRunPodMetadata               `json:"metadata,omitempty"`
	NodeSelector                 map[string]string                 `json:"nodeSelector,omitempty"`
	Tolerations                  []corev1.Toleration               `json:"tolerations,omitempty"`
	TopologySpreadConstraints    []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
	Resources                    corev1.ResourceRequirements       `json:"resources,omitempty"`
	ServiceAccountName           string                            `json:"serviceAccountName,omitempty"`
	SecurityContext              *corev1.PodSecurityContext        `json:"securityContext,omitempty"`
	ContainerSecurityContext     *corev1.SecurityContext           `json:"containerSecurityContext,omitempty"`
	EnvFrom                      []corev1.EnvFromSource            `json:"envFrom,omitempty"`
	ReadinessProbe               *corev1.Probe                     `json:"readinessProbe,omitempty"`
	LivenessProbe                *corev1.Probe                     `json:"livenessProbe,omitempty"`
	InitContainers               []TestRunInitContainer            `json:"initContainers,omitempty"`
	Volumes                      []corev1.Volume                   `json:"volumes,omitempty"`
	VolumeMounts                 []corev1.VolumeMount              `json:"volumeMounts,omitempty"`
	PriorityClassName            string                            `json:"priorityClassName,omitempty"`
	SchedulerName                string                            `json:"schedulerName,omitempty"`
}

// TestRunPodMetadata is the labels and annotations the operator puts on its pods.
type TestRunPodMetadata struct {
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

// TestRunInitContainer is the operator's reduced container for init containers.
type TestRunInitContainer struct {
	Name          string                         `json:"name,omitempty"`
	Image         string                         `json:"image,omitempty"`
	Env           []corev1.EnvVar                `json:"env,omitempty"`
	EnvFrom       []corev1.EnvFromSource         `json:"envFrom,omitempty"`
	Command       []string                       `json:"command,omitempty"`
	Args          []string                       `json:"args,omitempty"`
	WorkingDir    string                         `json:"workingDir,omitempty"`
	VolumeMounts  []corev1.VolumeMount           `json:"volumeMounts,omitempty"`
	Resources     corev1.ResourceRequirements    `json:"resources,omitempty"`
	RestartPolicy *corev1.ContainerRestartPolicy `json:"restartPolicy,omitempty"`
}

// EnvValue returns the value of a literal env variable of the runner ("" and false when absent or not literal).
func (p *TestRunPod) EnvValue(name string) (string, bool) {
	for _, e := range p.Env {
		if e.Name == name && e.ValueFrom == nil {
			return e.Value, true
		}
	}
	return "", false
}

func strictUnmarshal(raw []byte, v any) error {
	strict, err := kjson.UnmarshalStrict(raw, v)
	if err != nil {
		return err
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = e.Error()
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return nil
}
