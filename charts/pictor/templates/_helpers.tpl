{{/*
Names and labels, after the conventions of the grafana-community and prometheus-community charts.
*/}}

{{- define "pictor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pictor.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: <fullname>-<component>. */}}
{{- define "pictor.componentName" -}}
{{- printf "%s-%s" (include "pictor.fullname" .ctx) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pictor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object; call with (dict "ctx" $ "component" "api"). */}}
{{- define "pictor.labels" -}}
helm.sh/chart: {{ include "pictor.chart" .ctx }}
{{ include "pictor.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Values.image.tag | default .ctx.Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: pictor
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels: stable for the life of a release; call with (dict "ctx" $ "component" "api"). */}}
{{- define "pictor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pictor.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{/* metadata.annotations of every object, with extra ones; call with (dict "ctx" $ "extra" {...}). */}}
{{- define "pictor.annotations" -}}
{{- $all := merge (deepCopy (.extra | default dict)) (deepCopy (.ctx.Values.commonAnnotations | default dict)) -}}
{{- with $all }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "pictor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "pictor.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The api's ServiceAccount: its own with admin.enabled (the only identity bound to the admin Role,
and the only one whose pods mount a token), else the one of every Pictor pod.
*/}}
{{- define "pictor.apiServiceAccountName" -}}
{{- if and .Values.admin.enabled .Values.serviceAccount.create -}}
{{- include "pictor.componentName" (dict "ctx" . "component" "api") -}}
{{- else -}}
{{- include "pictor.serviceAccountName" . -}}
{{- end -}}
{{- end -}}

{{- define "pictor.admin.secretName" -}}
{{- .Values.admin.existingSecret | default (include "pictor.componentName" (dict "ctx" . "component" "admin")) -}}
{{- end -}}

{{/* An image reference from {registry, repository, tag, digest}; call with (dict "image" ... "default" tag). */}}
{{- define "pictor.imageRef" -}}
{{- $repo := .image.repository -}}
{{- if .image.registry -}}{{- $repo = printf "%s/%s" .image.registry .image.repository -}}{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repo .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (.image.tag | default .default | toString) -}}
{{- end -}}
{{- end -}}

{{- define "pictor.image" -}}
{{- include "pictor.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion) -}}
{{- end -}}

{{- define "pictor.svcDomain" -}}
{{- printf "%s.svc.%s" .Release.Namespace .Values.clusterDomain -}}
{{- end -}}

{{/*
A generated secret value, kept across upgrades: the value already in the cluster when the Secret
exists (lookup), a new random one otherwise. `helm template` and --dry-run=client cannot look up,
so they always show a new value. Call with (dict "ctx" $ "secret" name "key" key "length" 32).
*/}}
{{- define "pictor.secretValue" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum (.length | default 32) -}}
{{- end -}}
{{- end -}}

{{/* Pod-level fields shared by every pod: pull secrets, scheduling. Call with (dict "ctx" $ "values" .Values.api). */}}
{{- define "pictor.podScheduling" -}}
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Topology spread of a replicated workload; call with (dict "ctx" $ "values" .Values.api "component" "api"). */}}
{{- define "pictor.topologySpread" -}}
{{- if .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml .values.topologySpreadConstraints | nindent 2 }}
{{- else if .ctx.Values.topologySpread.enabled }}
topologySpreadConstraints:
{{- range .ctx.Values.topologySpread.topologyKeys }}
  - maxSkew: {{ $.ctx.Values.topologySpread.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: {{ $.ctx.Values.topologySpread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "pictor.selectorLabels" (dict "ctx" $.ctx "component" $.component) | nindent 8 }}
    {{- if not $.statefulset }}
    matchLabelKeys:
      - pod-template-hash
    {{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Probes from values; each rendered only when set. */}}
{{- define "pictor.probes" -}}
{{- with .startupProbe }}
startupProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .readinessProbe }}
readinessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .livenessProbe }}
livenessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
The most replicas the worker may run: what the topic's partitions must cover, since a consumer
without a partition sits idle.
*/}}
{{- define "pictor.workerMaxReplicas" -}}
{{- if .Values.worker.keda.enabled -}}
{{- .Values.worker.keda.maxReplicaCount -}}
{{- else if .Values.worker.autoscaling.enabled -}}
{{- .Values.worker.autoscaling.maxReplicas -}}
{{- else -}}
{{- .Values.worker.replicas -}}
{{- end -}}
{{- end -}}

{{- define "pictor.topicPartitions" -}}
{{- .Values.config.KAFKA_TOPIC_PARTITIONS | default 12 | int -}}
{{- end -}}

{{- define "pictor.topicReplicationFactor" -}}
{{- .Values.config.KAFKA_REPLICATION_FACTOR | default 1 | int -}}
{{- end -}}
