package manifests

import (
	"encoding/json"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Manifest is one rendered kustomization, every object decoded into its upstream Go type.
type Manifest struct {
	Objects      []*Object
	Namespaces   []*corev1.Namespace
	ConfigMaps   []*corev1.ConfigMap
	Services     []*corev1.Service
	PVCs         []*corev1.PersistentVolumeClaim
	Deployments  []*appsv1.Deployment
	HPAs         []*autoscalingv2.HorizontalPodAutoscaler
	PDBs         []*policyv1.PodDisruptionBudget
	TestRuns     []*TestRun
	testRunMaps  map[string]map[string]any
	testRunCheck *TestRunSchema
}

// Decode decodes every object strictly (an unknown or duplicate field is an error, as with kubectl's default
// server-side field validation), validates its metadata as the API server does, and validates TestRuns against
// the CRD schema. A kind without a Go type here is an error too: nothing reaches a cluster unchecked.
func Decode(objs []*Object, trs *TestRunSchema) (*Manifest, error) {
	m := &Manifest{Objects: objs, testRunMaps: map[string]map[string]any{}, testRunCheck: trs}
	var errs []error
	for _, o := range objs {
		if err := m.add(o); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.ID(), err))
		}
	}
	return m, errors.Join(errs...)
}

func (m *Manifest) add(o *Object) error {
	raw, err := json.Marshal(o.Map)
	if err != nil {
		return err
	}
	decode := func(v any, meta *metav1.ObjectMeta, nameFn apivalidation.ValidateNameFunc) error {
		if err := strictUnmarshal(raw, v); err != nil {
			return err
		}
		// Namespaced kinds may go without a namespace (base: kubectl's current one), never the Namespace itself.
		namespaced := o.Kind != "Namespace" && meta.Namespace != ""
		return apivalidation.ValidateObjectMeta(meta, namespaced, nameFn, field.NewPath("metadata")).ToAggregate()
	}
	switch o.APIVersion + " " + o.Kind {
	case "v1 Namespace":
		v := &corev1.Namespace{}
		m.Namespaces = append(m.Namespaces, v)
		return decode(v, &v.ObjectMeta, apivalidation.ValidateNamespaceName)
	case "v1 ConfigMap":
		v := &corev1.ConfigMap{}
		m.ConfigMaps = append(m.ConfigMaps, v)
		return decode(v, &v.ObjectMeta, apivalidation.NameIsDNSSubdomain)
	case "v1 Service":
		v := &corev1.Service{}
		m.Services = append(m.Services, v)
		// A Service name is a DNS label (it becomes one in the cluster's DNS).
		return decode(v, &v.ObjectMeta, apivalidation.NameIsDNS1035Label)
	case "v1 PersistentVolumeClaim":
		v := &corev1.PersistentVolumeClaim{}
		m.PVCs = append(m.PVCs, v)
		return decode(v, &v.ObjectMeta, apivalidation.NameIsDNSSubdomain)
	case "apps/v1 Deployment":
		v := &appsv1.Deployment{}
		m.Deployments = append(m.Deployments, v)
		return decode(v, &v.ObjectMeta, apivalidation.NameIsDNSSubdomain)
	case "autoscaling/v2 HorizontalPodAutoscaler":
		v := &autoscalingv2.HorizontalPodAutoscaler{}
		m.HPAs = append(m.HPAs, v)
		return decode(v, &v.ObjectMeta, apivalidation.NameIsDNSSubdomain)
	case "policy/v1 PodDisruptionBudget":
		v := &policyv1.PodDisruptionBudget{}
		m.PDBs = append(m.PDBs, v)
		return decode(v, &v.ObjectMeta, apivalidation.NameIsDNSSubdomain)
	case "k6.io/v1alpha1 TestRun":
		if m.testRunCheck == nil {
			return errors.New("a TestRun needs the k6-operator CRD schema to be checked")
		}
		if err := m.testRunCheck.Validate(o.Map); err != nil {
			return fmt.Errorf("against the k6-operator CRD: %w", err)
		}
		v := &TestRun{}
		m.TestRuns = append(m.TestRuns, v)
		m.testRunMaps[o.Name] = o.Map
		return decode(v, &v.ObjectMeta, apivalidation.NameIsDNSSubdomain)
	}
	return fmt.Errorf("no Go type for %s %s here: add it to Decode before using the kind", o.APIVersion, o.Kind)
}

// TestRunMap is a TestRun in unstructured form (what the CRD schema validated).
func (m *Manifest) TestRunMap(name string) map[string]any { return m.testRunMaps[name] }
