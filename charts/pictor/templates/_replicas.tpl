{{/*
Replica sites (objectStorage.replication.sites): names, endpoints and the S3_REPLICAS they make.
*/}}

{{/* Component of a bundled replica site; call with (dict "ctx" $ "site" $site). */}}
{{- define "pictor.replicas.component" -}}
{{- printf "minio-replica-%s" .site.name -}}
{{- end -}}

{{/* "true" for a site the chart runs, else empty. */}}
{{- define "pictor.replicas.bundled" -}}
{{- if .bundled -}}{{- if .bundled.enabled -}}true{{- end -}}{{- end -}}
{{- end -}}

{{/* Where Pictor reaches a site: its Service for a bundled one, else `endpoint`. */}}
{{- define "pictor.replicas.endpoint" -}}
{{- if include "pictor.replicas.bundled" .site -}}
{{- printf "http://%s.%s:9000" (include "pictor.componentName" (dict "ctx" .ctx "component" (include "pictor.replicas.component" .))) (include "pictor.svcDomain" .ctx) -}}
{{- else -}}
{{- required (printf "objectStorage.replication.sites: %s needs an endpoint, or bundled.enabled" .site.name) .site.endpoint -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding a site's keys, or empty (the site takes the primary's keys). */}}
{{- define "pictor.replicas.secretName" -}}
{{- if include "pictor.replicas.bundled" .site -}}
{{- include "pictor.componentName" (dict "ctx" .ctx "component" (include "pictor.replicas.component" .)) -}}
{{- else -}}
{{- .site.existingSecret | default "" -}}
{{- end -}}
{{- end -}}

{{/*
S3_REPLICAS for the api and the storage-setup Job: from the operator's Secret (existingSecret), or
built from `sites` in the compact form, each site's keys read from its Secret into environment
variables and put in place by Kubernetes' `$(VAR)` expansion (so no key is written in the pod
spec). Call with (dict "ctx" $).
*/}}
{{- define "pictor.replicas.env" -}}
{{- $r := .ctx.Values.objectStorage.replication -}}
{{- if $r.existingSecret }}
- name: S3_REPLICAS
  valueFrom:
    secretKeyRef:
      name: {{ $r.existingSecret }}
      key: {{ $r.replicasKey }}
{{- else }}
{{- $parts := list }}
{{- range $i, $site := $r.sites }}
{{- $secret := include "pictor.replicas.secretName" (dict "ctx" $.ctx "site" $site) }}
{{- $bundled := include "pictor.replicas.bundled" $site }}
{{- $part := printf "%s=%s at=%s" $site.name (include "pictor.replicas.endpoint" (dict "ctx" $.ctx "site" $site)) $site.location }}
{{- with $site.publicEndpoint }}{{ $part = printf "%s public=%s" $part . }}{{ end }}
{{- if $secret }}
- name: PICTOR_REPLICA_{{ $i }}_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ ternary "root-user" ($site.accessKeyKey | default "access-key") (eq $bundled "true") }}
- name: PICTOR_REPLICA_{{ $i }}_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ ternary "root-password" ($site.secretKeyKey | default "secret-key") (eq $bundled "true") }}
{{- $part = printf "%s access=$(PICTOR_REPLICA_%d_ACCESS_KEY) secret=$(PICTOR_REPLICA_%d_SECRET_KEY)" $part $i $i }}
{{- end }}
{{- $parts = append $parts $part }}
{{- end }}
- name: S3_REPLICAS
  value: {{ join "; " $parts | quote }}
{{- end }}
{{- end -}}
