{{/*
Where each dependency is, by mode. The application receives the same environment variables in
every mode (DATABASE_URL, S3_*, KAFKA_BROKERS, REDIS_URL); only their source changes.
*/}}

{{/* PostgreSQL: the Secret and key holding DATABASE_URL. */}}
{{- define "pictor.postgresql.name" -}}
{{- if eq .Values.postgresql.mode "cnpg" -}}
{{- .Values.postgresql.cnpg.name | default (include "pictor.componentName" (dict "ctx" . "component" "postgresql")) -}}
{{- else -}}
{{- include "pictor.componentName" (dict "ctx" . "component" "postgresql") -}}
{{- end -}}
{{- end -}}

{{- define "pictor.postgresql.secretName" -}}
{{- if eq .Values.postgresql.mode "external" -}}
{{- .Values.postgresql.external.existingSecret -}}
{{- else if eq .Values.postgresql.mode "cnpg" -}}
{{- printf "%s-app" (include "pictor.postgresql.name" .) -}}
{{- else -}}
{{- .Values.postgresql.bundled.existingSecret | default (include "pictor.postgresql.name" .) -}}
{{- end -}}
{{- end -}}

{{- define "pictor.postgresql.urlKey" -}}
{{- if eq .Values.postgresql.mode "external" -}}
{{- .Values.postgresql.external.urlKey -}}
{{- else if eq .Values.postgresql.mode "cnpg" -}}
uri
{{- else -}}
database-url
{{- end -}}
{{- end -}}

{{/* Object storage: endpoint, and the Secret with Pictor's keys. */}}
{{- define "pictor.minio.name" -}}
{{- if eq .Values.objectStorage.mode "tenant" -}}
{{- .Values.objectStorage.tenant.name | default (include "pictor.componentName" (dict "ctx" . "component" "minio")) -}}
{{- else -}}
{{- include "pictor.componentName" (dict "ctx" . "component" "minio") -}}
{{- end -}}
{{- end -}}

{{/* The chart's own MinIO Secret (root and Pictor's credentials), in modes minio and tenant. */}}
{{- define "pictor.minio.secretName" -}}
{{- if and (eq .Values.objectStorage.mode "minio") .Values.objectStorage.minio.existingSecret -}}
{{- .Values.objectStorage.minio.existingSecret -}}
{{- else -}}
{{- include "pictor.componentName" (dict "ctx" . "component" "minio") -}}
{{- end -}}
{{- end -}}

{{- define "pictor.s3.endpoint" -}}
{{- if eq .Values.objectStorage.mode "external" -}}
{{- .Values.objectStorage.external.endpoint -}}
{{- else if eq .Values.objectStorage.mode "tenant" -}}
{{- .Values.objectStorage.tenant.endpoint | default (printf "http://minio.%s:80" (include "pictor.svcDomain" .)) -}}
{{- else -}}
{{- printf "http://%s.%s:9000" (include "pictor.minio.name" .) (include "pictor.svcDomain" .) -}}
{{- end -}}
{{- end -}}

{{- define "pictor.s3.secretName" -}}
{{- if eq .Values.objectStorage.mode "external" -}}
{{- .Values.objectStorage.external.existingSecret -}}
{{- else -}}
{{- include "pictor.componentName" (dict "ctx" . "component" "minio-pictor") -}}
{{- end -}}
{{- end -}}

{{- define "pictor.s3.accessKeyKey" -}}
{{- if eq .Values.objectStorage.mode "external" -}}{{ .Values.objectStorage.external.accessKeyKey }}{{- else -}}access-key{{- end -}}
{{- end -}}

{{- define "pictor.s3.secretKeyKey" -}}
{{- if eq .Values.objectStorage.mode "external" -}}{{ .Values.objectStorage.external.secretKeyKey }}{{- else -}}secret-key{{- end -}}
{{- end -}}

{{/* host:port the edge reads public objects from, over plain HTTP. */}}
{{- define "pictor.edge.s3Upstream" -}}
{{- if and (eq .Values.objectStorage.mode "external") .Values.objectStorage.external.edgeUpstream -}}
{{- .Values.objectStorage.external.edgeUpstream -}}
{{- else -}}
{{- $url := urlParse (include "pictor.s3.endpoint" .) -}}
{{- if contains ":" $url.host -}}
{{- $url.host -}}
{{- else -}}
{{- printf "%s:%s" $url.host (ternary "443" "80" (eq $url.scheme "https")) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "pictor.edge.s3Host" -}}
{{- if and (eq .Values.objectStorage.mode "external") .Values.objectStorage.external.edgeHost -}}
{{- .Values.objectStorage.external.edgeHost -}}
{{- else -}}
{{- include "pictor.edge.s3Upstream" . -}}
{{- end -}}
{{- end -}}

{{/* Kafka brokers. */}}
{{- define "pictor.kafka.name" -}}
{{- if eq .Values.kafka.mode "strimzi" -}}
{{- .Values.kafka.strimzi.name | default (include "pictor.componentName" (dict "ctx" . "component" "kafka")) -}}
{{- else -}}
{{- include "pictor.componentName" (dict "ctx" . "component" "kafka") -}}
{{- end -}}
{{- end -}}

{{- define "pictor.kafka.brokers" -}}
{{- if eq .Values.kafka.mode "external" -}}
{{- .Values.kafka.external.brokers -}}
{{- else if eq .Values.kafka.mode "strimzi" -}}
{{- printf "%s-kafka-bootstrap.%s:9092" (include "pictor.kafka.name" .) (include "pictor.svcDomain" .) -}}
{{- else -}}
{{- printf "%s-0.%s-headless.%s:9092" (include "pictor.kafka.name" .) (include "pictor.kafka.name" .) (include "pictor.svcDomain" .) -}}
{{- end -}}
{{- end -}}

{{/* Redis: a Secret holding REDIS_URL, or none when the external URL is given as a value. */}}
{{- define "pictor.redis.name" -}}
{{- include "pictor.componentName" (dict "ctx" . "component" "valkey") -}}
{{- end -}}

{{- define "pictor.redis.secretName" -}}
{{- if eq .Values.redis.mode "external" -}}
{{- .Values.redis.external.existingSecret -}}
{{- else if eq .Values.redis.mode "sentinel" -}}
{{- else -}}
{{- .Values.redis.valkey.existingSecret | default (include "pictor.redis.name" .) -}}
{{- end -}}
{{- end -}}

{{- define "pictor.redis.urlKey" -}}
{{- if eq .Values.redis.mode "external" -}}{{ .Values.redis.external.urlKey }}{{- else -}}redis-url{{- end -}}
{{- end -}}

{{/* The origin links are built on: config.PUBLIC_URL, else the first Ingress or HTTPRoute host. */}}
{{- define "pictor.publicUrl" -}}
{{- if .Values.config.PUBLIC_URL -}}
{{- .Values.config.PUBLIC_URL -}}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts -}}
{{- $host := (first .Values.ingress.hosts).host -}}
{{- $tls := false -}}
{{- range .Values.ingress.tls }}{{ if has $host .hosts }}{{ $tls = true }}{{ end }}{{ end -}}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host -}}
{{- else if and .Values.gatewayApi.httpRoute.enabled .Values.gatewayApi.httpRoute.hostnames -}}
{{- printf "%s://%s" .Values.gatewayApi.httpRoute.scheme (first .Values.gatewayApi.httpRoute.hostnames) -}}
{{- end -}}
{{- end -}}

{{/*
Render-time checks of what the schema cannot express. Every template includes this, so a bad
combination fails `helm template`, `helm install` and `helm upgrade` alike.
*/}}
{{- define "pictor.validate" -}}
{{- $partitions := include "pictor.topicPartitions" . | int -}}
{{- $maxWorkers := include "pictor.workerMaxReplicas" . | int -}}
{{- if lt $partitions $maxWorkers -}}
{{- fail (printf "config.KAFKA_TOPIC_PARTITIONS (%d) must be at least the most worker replicas (%d): a worker without a partition sits idle. Raise the partitions or lower the worker's maximum." $partitions $maxWorkers) -}}
{{- end -}}
{{- if and .Values.worker.keda.enabled .Values.worker.autoscaling.enabled -}}
{{- fail "worker.keda.enabled and worker.autoscaling.enabled are exclusive: KEDA owns the worker's HPA. Turn worker.autoscaling.enabled off." -}}
{{- end -}}
{{- if and .Values.worker.keda.enabled (lt (int .Values.worker.keda.maxReplicaCount) (int .Values.worker.keda.minReplicaCount)) -}}
{{- fail "worker.keda.maxReplicaCount must be at least worker.keda.minReplicaCount." -}}
{{- end -}}
{{- range $name := list "api" "worker" "edge" -}}
{{- $a := (index $.Values $name).autoscaling -}}
{{- if and $a.enabled (lt (int $a.maxReplicas) (int $a.minReplicas)) -}}
{{- fail (printf "%s.autoscaling.maxReplicas must be at least %s.autoscaling.minReplicas." $name $name) -}}
{{- end -}}
{{- end -}}
{{- if and (eq .Values.postgresql.mode "external") (not .Values.postgresql.external.existingSecret) -}}
{{- fail "postgresql.mode=external needs postgresql.external.existingSecret: a Secret holding the connection URL." -}}
{{- end -}}
{{- if eq .Values.objectStorage.mode "external" -}}
{{- if not .Values.objectStorage.external.endpoint -}}
{{- fail "objectStorage.mode=external needs objectStorage.external.endpoint." -}}
{{- end -}}
{{- if not .Values.objectStorage.external.existingSecret -}}
{{- fail "objectStorage.mode=external needs objectStorage.external.existingSecret with the access and secret keys." -}}
{{- end -}}
{{- end -}}
{{- if and (eq .Values.objectStorage.mode "minio") (lt (int .Values.objectStorage.minio.replicas) 4) -}}
{{- fail "objectStorage.minio.replicas must be at least 4: erasure coding spreads every object over the pods." -}}
{{- end -}}
{{- if and (eq .Values.kafka.mode "external") (not .Values.kafka.external.brokers) -}}
{{- fail "kafka.mode=external needs kafka.external.brokers." -}}
{{- end -}}
{{- if and (eq .Values.kafka.mode "bundled") (gt (include "pictor.topicReplicationFactor" . | int) 1) -}}
{{- fail "config.KAFKA_REPLICATION_FACTOR must be 1 with the bundled single Kafka broker." -}}
{{- end -}}
{{- if and (eq .Values.kafka.mode "strimzi") (gt (include "pictor.topicReplicationFactor" . | int) (int .Values.kafka.strimzi.replicas)) -}}
{{- fail "config.KAFKA_REPLICATION_FACTOR cannot exceed kafka.strimzi.replicas." -}}
{{- end -}}
{{- if and (eq .Values.redis.mode "external") (not .Values.redis.external.url) (not .Values.redis.external.existingSecret) -}}
{{- fail "redis.mode=external needs redis.external.url or redis.external.existingSecret." -}}
{{- end -}}
{{- if and (eq .Values.redis.mode "sentinel") (not .Values.redis.sentinel.sentinels) -}}
{{- fail "redis.mode=sentinel needs redis.sentinel.sentinels (host:port, comma-separated)." -}}
{{- end -}}
{{- if and .Values.ingress.enabled .Values.gatewayApi.httpRoute.enabled -}}
{{- fail "Choose one way in: ingress.enabled or gatewayApi.httpRoute.enabled." -}}
{{- end -}}
{{- if and .Values.gatewayApi.httpRoute.enabled (not .Values.gatewayApi.httpRoute.parentRefs) -}}
{{- fail "gatewayApi.httpRoute.enabled needs gatewayApi.httpRoute.parentRefs (the Gateway to attach to)." -}}
{{- end -}}
{{- if and .Values.monitoring.serviceMonitor.enabled (not .Values.metrics.enabled) -}}
{{- fail "monitoring.serviceMonitor.enabled needs metrics.enabled." -}}
{{- end -}}
{{- if and .Values.admin.enabled (not .Values.backup.enabled) -}}
{{- fail "admin.enabled needs backup.enabled: the admin API starts Jobs of the backup CronJob." -}}
{{- end -}}
{{- if and .Values.monitoring.podMonitor.enabled (not .Values.metrics.enabled) -}}
{{- fail "monitoring.podMonitor.enabled needs metrics.enabled." -}}
{{- end -}}
{{- end -}}
