{{/*
When the migration hook runs. Before install, nothing this release creates exists yet, and the
migrate target opens every adapter; so pre-install only when every dependency is external.
*/}}
{{- define "pictor.migrations.hook" -}}
{{- if eq .Values.postgresql.mode "external" -}}
pre-install,pre-upgrade
{{- else -}}
post-install,pre-upgrade
{{- end -}}
{{- end -}}

{{/*
The pod template of a Job running one Pictor target; call with
(dict "ctx" $ "values" .Values.backup "target" "backup" "inlineConfig" false).
A hook that may run before the release's ConfigMap exists inlines the configuration instead.
*/}}
{{- define "pictor.jobPodTemplate" -}}
metadata:
  labels:
    {{- include "pictor.labels" (dict "ctx" .ctx "component" .target) | nindent 4 }}
  annotations:
    {{- include "pictor.checksums" .ctx | nindent 4 }}
spec:
  restartPolicy: Never
  serviceAccountName: {{ .serviceAccount | default (include "pictor.serviceAccountName" .ctx) }}
  automountServiceAccountToken: {{ .ctx.Values.serviceAccount.automountServiceAccountToken }}
  securityContext:
    {{- toYaml .ctx.Values.podSecurityContext | nindent 4 }}
  {{- with .ctx.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ .target }}
      image: {{ include "pictor.image" .ctx }}
      imagePullPolicy: {{ .ctx.Values.image.pullPolicy }}
      args:
        - --target={{ .target }}
      {{- if .inlineConfig }}
      env:
        {{- range $name, $value := include "pictor.configData" .ctx | fromYaml }}
        - name: {{ $name }}
          value: {{ $value | toString | quote }}
        {{- end }}
        {{- (include "pictor.env" (dict "ctx" .ctx "values" .values) | fromYaml).env | toYaml | nindent 8 }}
      {{- else }}
      {{- include "pictor.env" (dict "ctx" .ctx "values" .values) | nindent 6 }}
      {{- end }}
      resources:
        {{- toYaml .values.resources | nindent 8 }}
      securityContext:
        {{- toYaml .ctx.Values.containerSecurityContext | nindent 8 }}
      volumeMounts:
        {{- include "pictor.tmpMount" . | nindent 8 }}
  volumes:
    {{- include "pictor.tmpVolume" . | nindent 4 }}
{{- end -}}

{{/* A CronJob running one Pictor target; call with (dict "ctx" $ "values" .Values.backup "target" "backup"). */}}
{{- define "pictor.cronJob" -}}
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ include "pictor.componentName" (dict "ctx" .ctx "component" .target) }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "pictor.labels" (dict "ctx" .ctx "component" .target) | nindent 4 }}
  {{- with include "pictor.annotations" (dict "ctx" .ctx) }}{{ . | nindent 2 }}{{- end }}
spec:
  schedule: {{ .values.schedule | quote }}
  timeZone: {{ .values.timeZone | quote }}
  # Never two at once: a second run would race the first over the same rows and objects.
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: {{ .values.startingDeadlineSeconds }}
  successfulJobsHistoryLimit: {{ .values.successfulJobsHistoryLimit }}
  failedJobsHistoryLimit: {{ .values.failedJobsHistoryLimit }}
  jobTemplate:
    metadata:
      labels:
        {{- include "pictor.labels" (dict "ctx" .ctx "component" .target) | nindent 8 }}
    spec:
      backoffLimit: {{ .values.backoffLimit }}
      activeDeadlineSeconds: {{ .values.activeDeadlineSeconds }}
      {{- /* Jobs made from the CronJob by hand copy this spec. kubectl and the admin API give them a
      controller reference, so the history limits count them; one made without it (older kubectl)
      escapes the limits, but not this TTL. */}}
      {{- with .values.ttlSecondsAfterFinished }}
      ttlSecondsAfterFinished: {{ . }}
      {{- end }}
      template:
        {{- include "pictor.jobPodTemplate" (dict "ctx" .ctx "values" .values "target" .target "inlineConfig" false) | nindent 8 }}
{{- end -}}
