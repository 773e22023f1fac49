{{/*
A value as an environment variable: YAML numbers arrive as float64, which would print 2.62144e+07.
*/}}
{{- define "pictor.envValue" -}}
{{- if or (kindIs "float64" .) (kindIs "float32" .) -}}
{{- . | int64 | toString -}}
{{- else -}}
{{- . | toString -}}
{{- end -}}
{{- end -}}

{{/* Environment of a container running the pictor binary; call with (dict "ctx" $ "values" .Values.api). */}}
{{- define "pictor.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "pictor.componentName" (dict "ctx" .ctx "component" "config") }}
env:
  # /metrics on the pod's own address: Prometheus scrapes it, nothing outside the pod network can.
  - name: METRICS_HOST
    valueFrom:
      fieldRef:
        fieldPath: status.podIP
  - name: DATABASE_URL
    valueFrom:
      secretKeyRef:
        name: {{ include "pictor.postgresql.secretName" .ctx }}
        key: {{ include "pictor.postgresql.urlKey" .ctx }}
  - name: S3_ACCESS_KEY
    valueFrom:
      secretKeyRef:
        name: {{ include "pictor.s3.secretName" .ctx }}
        key: {{ include "pictor.s3.accessKeyKey" .ctx }}
  - name: S3_SECRET_KEY
    valueFrom:
      secretKeyRef:
        name: {{ include "pictor.s3.secretName" .ctx }}
        key: {{ include "pictor.s3.secretKeyKey" .ctx }}
{{- if include "pictor.redis.secretName" .ctx }}
  - name: REDIS_URL
    valueFrom:
      secretKeyRef:
        name: {{ include "pictor.redis.secretName" .ctx }}
        key: {{ include "pictor.redis.urlKey" .ctx }}
{{- end }}
{{- if and (eq (.target | default "") "api") .ctx.Values.admin.enabled }}
  - name: ADMIN_TOKEN
    valueFrom:
      secretKeyRef:
        name: {{ include "pictor.admin.secretName" .ctx }}
        key: {{ .ctx.Values.admin.tokenKey }}
  - name: BACKUP_CRONJOB
    value: {{ include "pictor.componentName" (dict "ctx" .ctx "component" "backup") }}
  - name: KUBERNETES_NAMESPACE
    value: {{ .ctx.Release.Namespace }}
{{- end }}
{{- $target := .target | default "" }}
{{- if and (or (eq $target "api") (eq $target "notifier")) .ctx.Values.mail.existingSecret }}
  - name: SMTP_URL
    valueFrom:
      secretKeyRef:
        name: {{ .ctx.Values.mail.existingSecret }}
        key: {{ .ctx.Values.mail.urlKey }}
{{- end }}
{{- $tg := .ctx.Values.telegram }}
{{- if and (or (eq $target "api") (eq $target "notifier")) $tg.existingSecret }}
  - name: TELEGRAM_BOT_TOKEN
    valueFrom:
      secretKeyRef:
        name: {{ $tg.existingSecret }}
        key: {{ $tg.tokenKey }}
  - name: TELEGRAM_BOT_USERNAME
    value: {{ $tg.botUsername | quote }}
{{- if eq $target "api" }}
  - name: TELEGRAM_WEBHOOK_SECRET
    valueFrom:
      secretKeyRef:
        name: {{ $tg.existingSecret }}
        key: {{ $tg.webhookSecretKey }}
        optional: true
{{- end }}
{{- end }}
{{- if and (eq (.target | default "") "api") .ctx.Values.objectStorage.replication.enabled }}
  {{- include "pictor.replicas.env" (dict "ctx" .ctx) | indent 2 }}
{{- end }}
{{- with .values.extraEnv }}
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Checksums that roll Pictor's pods when their configuration or generated secrets change. */}}
{{- define "pictor.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/config/configmap.yaml") . | sha256sum }}
checksum/secrets: {{ include (print .Template.BasePath "/config/secrets.yaml") . | sha256sum }}
{{- end -}}

{{/* Writable scratch space under a read-only root filesystem. */}}
{{- define "pictor.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ dig "tmpSizeLimit" "1Gi" (.values | default dict) }}
{{- end -}}

{{- define "pictor.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* The container running one Pictor target; call with (dict "ctx" $ "values" .Values.api "target" "api"). */}}
{{- define "pictor.container" -}}
- name: {{ .name | default .target }}
  image: {{ include "pictor.image" .ctx }}
  imagePullPolicy: {{ .ctx.Values.image.pullPolicy }}
  args:
    - --target={{ .target }}
  {{- include "pictor.env" . | nindent 2 }}
  ports:
    {{- if eq .target "api" }}
    - name: http
      containerPort: 8080
      protocol: TCP
    {{- end }}
    {{- /* Always declared: the relay's and worker's liveness probes use it (/healthz). */}}
    - name: metrics
      containerPort: {{ .ctx.Values.metrics.port }}
      protocol: TCP
  {{- with include "pictor.probes" .values }}{{ . | nindent 2 }}{{- end }}
  resources:
    {{- toYaml .values.resources | nindent 4 }}
  securityContext:
    {{- toYaml .ctx.Values.containerSecurityContext | nindent 4 }}
  volumeMounts:
    {{- include "pictor.tmpMount" . | nindent 4 }}
{{- end -}}

{{/* Non-secret environment of every Pictor process: config.* by name, then what the chart derives. */}}
{{- define "pictor.configData" -}}
{{- range $name, $value := .Values.config }}
{{- if and (ne $name "PUBLIC_URL") (not (kindIs "invalid" $value)) }}
{{ $name }}: {{ include "pictor.envValue" $value | quote }}
{{- end }}
{{- end }}
{{- with include "pictor.publicUrl" . }}
PUBLIC_URL: {{ . | quote }}
{{- end }}
HOST: "0.0.0.0"
PORT: "8080"
DATA_DIR: /tmp/pictor
RELAY_IN_API: {{ eq .Values.relay.mode "api" | quote }}
S3_ENDPOINT: {{ include "pictor.s3.endpoint" . | quote }}
S3_BUCKET: {{ .Values.objectStorage.bucket | quote }}
S3_REGION: {{ .Values.objectStorage.region | quote }}
KAFKA_BROKERS: {{ include "pictor.kafka.brokers" . | quote }}
{{- if and (eq .Values.redis.mode "external") (not .Values.redis.external.existingSecret) }}
REDIS_URL: {{ .Values.redis.external.url | quote }}
{{- end }}
{{- if eq .Values.redis.mode "sentinel" }}
REDIS_SENTINELS: {{ .Values.redis.sentinel.sentinels | quote }}
REDIS_SENTINEL_NAME: {{ .Values.redis.sentinel.masterName | quote }}
{{- end }}
METRICS_PORT: {{ .Values.metrics.port | int | quote }}
{{- end -}}
