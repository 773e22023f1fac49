{{/*
A Deployment running one Pictor target; call with
(dict "ctx" $ "values" .Values.api "component" "api" "autoscaled" true).
*/}}
{{- define "pictor.deployment" -}}
{{- $ctx := .ctx -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "pictor.componentName" (dict "ctx" $ctx "component" .component) }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "pictor.labels" (dict "ctx" $ctx "component" .component) | nindent 4 }}
  {{- with include "pictor.annotations" (dict "ctx" $ctx) }}{{ . | nindent 2 }}{{- end }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ .values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "pictor.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "pictor.labels" (dict "ctx" $ctx "component" .component) | nindent 8 }}
        {{- with .values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        {{- include "pictor.checksums" $ctx | nindent 8 }}
        {{- with .values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- if eq .component "api" }}
      serviceAccountName: {{ include "pictor.apiServiceAccountName" $ctx }}
      # The admin API calls the Kubernetes API (templates/api/rbac.yaml).
      automountServiceAccountToken: {{ or $ctx.Values.admin.enabled $ctx.Values.serviceAccount.automountServiceAccountToken }}
      {{- else }}
      serviceAccountName: {{ include "pictor.serviceAccountName" $ctx }}
      automountServiceAccountToken: {{ $ctx.Values.serviceAccount.automountServiceAccountToken }}
      {{- end }}
      securityContext:
        {{- toYaml $ctx.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ .values.terminationGracePeriodSeconds }}
      {{- with include "pictor.podScheduling" (dict "ctx" $ctx "values" .values) }}{{ . | nindent 6 }}{{- end }}
      {{- with include "pictor.topologySpread" (dict "ctx" $ctx "values" .values "component" .component) }}{{ . | nindent 6 }}{{- end }}
      containers:
        {{- include "pictor.container" (dict "ctx" $ctx "values" .values "target" .component) | nindent 8 }}
      volumes:
        {{- include "pictor.tmpVolume" . | nindent 8 }}
{{- end -}}

{{/* An autoscaling/v2 HPA on CPU (and memory); call with (dict "ctx" $ "values" .Values.api "component" "api"). */}}
{{- define "pictor.hpa" -}}
{{- $a := .values.autoscaling -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "pictor.componentName" (dict "ctx" .ctx "component" .component) }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "pictor.labels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
  {{- with include "pictor.annotations" (dict "ctx" .ctx) }}{{ . | nindent 2 }}{{- end }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "pictor.componentName" (dict "ctx" .ctx "component" .component) }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
    {{- if $a.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $a.targetMemoryUtilizationPercentage }}
    {{- end }}
  {{- with $a.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* A PodDisruptionBudget; call with (dict "ctx" $ "values" .Values.api "component" "api"). */}}
{{- define "pictor.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "pictor.componentName" (dict "ctx" .ctx "component" .component) }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "pictor.labels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
  {{- with include "pictor.annotations" (dict "ctx" .ctx) }}{{ . | nindent 2 }}{{- end }}
spec:
  maxUnavailable: {{ .values.pdb.maxUnavailable }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "pictor.selectorLabels" (dict "ctx" .ctx "component" .component) | nindent 6 }}
{{- end -}}
