{{/* Pods of the chart by component; call with (dict "ctx" $ "components" (list "api" "worker")). */}}
{{- define "pictor.np.pods" -}}
podSelector:
  matchLabels:
    {{- include "pictor.selectorLabels" (dict "ctx" .ctx "component" "") | nindent 4 }}
  matchExpressions:
    - key: app.kubernetes.io/component
      operator: In
      values:
        {{- toYaml .components | nindent 8 }}
{{- end -}}

{{- define "pictor.np.dns" -}}
- to:
    {{- toYaml .Values.networkPolicy.dns | nindent 4 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/* An egress rule to a dependency of the chart, or to an operator's pods. */}}
{{- define "pictor.np.egressToPods" -}}
- to:
    - podSelector:
        matchLabels:
          {{- toYaml .labels | nindent 10 }}
  ports:
    {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end -}}

{{/* The given rules of an external service, or its usual ports anywhere. */}}
{{- define "pictor.np.egressExternal" -}}
{{- if .rules -}}
{{- toYaml .rules -}}
{{- else -}}
- ports:
    {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end -}}
{{- end -}}

{{- define "pictor.np.egress.postgresql" -}}
{{- $m := .Values.postgresql.mode -}}
{{- if eq $m "bundled" -}}
{{- include "pictor.np.egressToPods" (dict "labels" (include "pictor.selectorLabels" (dict "ctx" . "component" "postgresql") | fromYaml) "ports" (list 5432)) -}}
{{- else if eq $m "cnpg" -}}
{{- include "pictor.np.egressToPods" (dict "labels" (dict "cnpg.io/cluster" (include "pictor.postgresql.name" .)) "ports" (list 5432)) -}}
{{- else -}}
{{- include "pictor.np.egressExternal" (dict "rules" .Values.networkPolicy.external.postgresql "ports" (list 5432)) -}}
{{- end -}}
{{- end -}}

{{- define "pictor.np.egress.objectStorage" -}}
{{- $m := .Values.objectStorage.mode -}}
{{- if eq $m "minio" -}}
{{- include "pictor.np.egressToPods" (dict "labels" (include "pictor.selectorLabels" (dict "ctx" . "component" "minio") | fromYaml) "ports" (list 9000)) -}}
{{- else if eq $m "tenant" -}}
{{- include "pictor.np.egressToPods" (dict "labels" (dict "v1.min.io/tenant" (include "pictor.minio.name" .)) "ports" (list 9000)) -}}
{{- else -}}
{{- include "pictor.np.egressExternal" (dict "rules" .Values.networkPolicy.external.objectStorage "ports" (list 443 80)) -}}
{{- end -}}
{{- end -}}

{{- define "pictor.np.egress.kafka" -}}
{{- $m := .Values.kafka.mode -}}
{{- if eq $m "bundled" -}}
{{- include "pictor.np.egressToPods" (dict "labels" (include "pictor.selectorLabels" (dict "ctx" . "component" "kafka") | fromYaml) "ports" (list 9092)) -}}
{{- else if eq $m "strimzi" -}}
{{- include "pictor.np.egressToPods" (dict "labels" (dict "strimzi.io/cluster" (include "pictor.kafka.name" .)) "ports" (list 9092)) -}}
{{- else -}}
{{- include "pictor.np.egressExternal" (dict "rules" .Values.networkPolicy.external.kafka "ports" (list 9092)) -}}
{{- end -}}
{{- end -}}

{{- define "pictor.np.egress.redis" -}}
{{- if eq .Values.redis.mode "valkey" -}}
{{- include "pictor.np.egressToPods" (dict "labels" (include "pictor.selectorLabels" (dict "ctx" . "component" "valkey") | fromYaml) "ports" (list 6379)) -}}
{{- else -}}
{{- include "pictor.np.egressExternal" (dict "rules" .Values.networkPolicy.external.redis "ports" (list 6379)) -}}
{{- end -}}
{{- end -}}

{{/* Metrics scrapes, from networkPolicy.metricsFrom only. */}}
{{- define "pictor.np.metricsIngress" -}}
{{- if and .Values.metrics.enabled .Values.networkPolicy.metricsFrom }}
- from:
    {{- toYaml .Values.networkPolicy.metricsFrom | nindent 4 }}
  ports:
    - port: {{ .Values.metrics.port }}
      protocol: TCP
{{- end }}
{{- end -}}

{{/* metadata of one NetworkPolicy; call with (dict "ctx" $ "component" "api"). */}}
{{- define "pictor.np.metadata" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "pictor.componentName" (dict "ctx" .ctx "component" .component) }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "pictor.labels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
  {{- with include "pictor.annotations" (dict "ctx" .ctx) }}{{ . | nindent 2 }}{{- end }}
{{- end -}}

{{/* Pictor's processes → the OTLP collector, when config.OTEL_EXPORTER_OTLP_ENDPOINT is set: the
     peers of networkPolicy.external.tracing, or any destination on the endpoint's port. */}}
{{- define "pictor.np.egress.tracing" -}}
{{- with .Values.config.OTEL_EXPORTER_OTLP_ENDPOINT -}}
{{- $url := urlParse . -}}
{{- $port := (splitList ":" $url.host | rest | first) | default (ternary "443" "80" (eq $url.scheme "https")) -}}
# Traces → the OpenTelemetry collector.
{{ include "pictor.np.egressExternal" (dict "rules" $.Values.networkPolicy.external.tracing "ports" (list ($port | int))) }}
{{- end -}}
{{- end -}}

{{/* Storage replicas (objectStorage.replication): to their CIDR blocks, or to their usual ports anywhere. */}}
{{- define "pictor.np.egress.replicas" -}}
{{- $r := .Values.objectStorage.replication -}}
{{- if $r.enabled -}}
- ports:
    - port: 9000
      protocol: TCP
    - port: 443
      protocol: TCP
    - port: 80
      protocol: TCP
  {{- with $r.egressCidrs }}
  to:
    {{- range . }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  {{- end }}
{{- end -}}
{{- end -}}
