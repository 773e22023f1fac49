{{/*
The values of the edge template's placeholders (files/nginx.conf.template). The test suite renders
the same template with packages/test-harness/src/edge.ts; a chart test checks both give the same bytes.
*/}}
{{- define "pictor.edge.placeholders" -}}
LISTEN: "8080"
API_UPSTREAM: {{ printf "%s:%d" (include "pictor.componentName" (dict "ctx" . "component" "api")) (int .Values.api.service.port) | quote }}
S3_UPSTREAM: {{ include "pictor.edge.s3Upstream" . | quote }}
S3_HOST: {{ include "pictor.edge.s3Host" . | quote }}
S3_BUCKET: {{ .Values.objectStorage.bucket | quote }}
MAX_BODY_SIZE: {{ .Values.edge.maxBodySize | quote }}
RUN_DIR: /tmp/nginx
ERROR_LOG: stderr
ACCESS_LOG: /dev/stdout
WORKER_PROCESSES: {{ .Values.edge.workerProcesses | quote }}
REAL_IP_FROM: {{ .Values.edge.realIpFrom | quote }}
CACHE_VALID: {{ .Values.edge.cache.valid | quote }}
CACHE_MAX_SIZE: {{ .Values.edge.cache.maxSize | quote }}
CLIENT_BODY_TIMEOUT: {{ printf "%ds" (div (add (int (.Values.config.UPLOAD_BODY_TIMEOUT_MS | default 20000)) 999) 1000) | quote }}
{{- end -}}

{{/* The edge template with every placeholder replaced; a placeholder left over fails the render. */}}
{{- define "pictor.edge.config" -}}
{{- $conf := .Files.Get "files/nginx.conf.template" -}}
{{- range $name, $value := include "pictor.edge.placeholders" . | fromYaml -}}
{{- $conf = replace (printf "${%s}" $name) (toString $value) $conf -}}
{{- end -}}
{{- $left := regexFindAll "\\$\\{[A-Z][A-Z0-9_]*\\}" $conf -1 -}}
{{- if $left -}}
{{- fail (printf "files/nginx.conf.template has placeholders the chart does not set: %s" (join ", " (uniq $left))) -}}
{{- end -}}
{{- $conf -}}
{{- end -}}
