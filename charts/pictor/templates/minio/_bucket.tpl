{{/*
The bucket Job's files: its two policies and the setup script (the ConfigMap's data).
*/}}
{{- define "pictor.bucketJob.config" -}}
{{- $bucket := .Values.objectStorage.bucket -}}
public-read.json: |
  {
    "Version": "2012-10-17",
    "Statement": [
      {
        "Effect": "Allow",
        "Principal": { "AWS": ["*"] },
        "Action": ["s3:GetObject"],
        "Resource": ["arn:aws:s3:::{{ $bucket }}/public/*"]
      }
    ]
  }
pictor-user.json: |
  {
    "Version": "2012-10-17",
    "Statement": [
      {
        "Effect": "Allow",
        "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
        "Resource": ["arn:aws:s3:::{{ $bucket }}"]
      },
      {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        "Resource": ["arn:aws:s3:::{{ $bucket }}/*"]
      }
    ]
  }
setup.sh: |
  set -eu
  # MinIO may still be starting (first install): retry until it answers.
  until mc alias set pictor "$S3_ENDPOINT" "$ROOT_USER" "$ROOT_PASSWORD" >/dev/null 2>&1; do
    echo "waiting for $S3_ENDPOINT"
    sleep 3
  done
  mc mb --ignore-existing --region "$S3_REGION" "pictor/$S3_BUCKET"
  mc anonymous set-json /config/public-read.json "pictor/$S3_BUCKET"
  mc admin policy create pictor "$POLICY" /config/pictor-user.json
  mc admin user add pictor "$ACCESS_KEY" "$SECRET_KEY"
  mc admin policy attach pictor "$POLICY" --user "$ACCESS_KEY" || echo "policy $POLICY already attached"
  echo "bucket $S3_BUCKET ready: public/* readable anonymously, user $ACCESS_KEY limited to it"
{{- end -}}

{{/*
The bucket Job's spec; call with (dict "ctx" $ "name" <ConfigMap name>). Its pod template holds
only labels that stay put across releases (no version, no chart): see bucket-job.yaml.
*/}}
{{- define "pictor.bucketJob.spec" -}}
{{- $ctx := .ctx }}
{{- $j := $ctx.Values.objectStorage.bucketJob }}
{{- $bucket := $ctx.Values.objectStorage.bucket -}}
backoffLimit: {{ $j.backoffLimit }}
activeDeadlineSeconds: 900
template:
  metadata:
    labels:
      {{- include "pictor.selectorLabels" (dict "ctx" $ctx "component" "bucket") | nindent 6 }}
      app.kubernetes.io/managed-by: {{ $ctx.Release.Service }}
      app.kubernetes.io/part-of: pictor
      {{- with $ctx.Values.commonLabels }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
  spec:
    restartPolicy: OnFailure
    serviceAccountName: {{ include "pictor.componentName" (dict "ctx" $ctx "component" "deps") }}
    automountServiceAccountToken: false
    securityContext:
      {{- toYaml $ctx.Values.podSecurityContext | nindent 6 }}
    {{- with $ctx.Values.imagePullSecrets }}
    imagePullSecrets:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    containers:
      - name: mc
        image: {{ include "pictor.imageRef" (dict "image" $j.image) }}
        imagePullPolicy: {{ $j.image.pullPolicy }}
        command:
          - /bin/sh
          - /config/setup.sh
        env:
          - name: MC_CONFIG_DIR
            value: /tmp/.mc
          - name: S3_ENDPOINT
            value: {{ include "pictor.s3.endpoint" $ctx | quote }}
          - name: S3_BUCKET
            value: {{ $bucket | quote }}
          - name: S3_REGION
            value: {{ $ctx.Values.objectStorage.region | quote }}
          - name: POLICY
            value: {{ printf "%s-rw" $bucket | quote }}
          - name: ROOT_USER
            valueFrom:
              secretKeyRef:
                name: {{ include "pictor.minio.secretName" $ctx }}
                key: root-user
          - name: ROOT_PASSWORD
            valueFrom:
              secretKeyRef:
                name: {{ include "pictor.minio.secretName" $ctx }}
                key: root-password
          - name: ACCESS_KEY
            valueFrom:
              secretKeyRef:
                name: {{ include "pictor.s3.secretName" $ctx }}
                key: access-key
          - name: SECRET_KEY
            valueFrom:
              secretKeyRef:
                name: {{ include "pictor.s3.secretName" $ctx }}
                key: secret-key
        resources:
          {{- toYaml $j.resources | nindent 10 }}
        securityContext:
          {{- toYaml $ctx.Values.containerSecurityContext | nindent 10 }}
        volumeMounts:
          - name: config
            mountPath: /config
            readOnly: true
          - name: tmp
            mountPath: /tmp
    volumes:
      - name: config
        configMap:
          name: {{ .name }}
      - name: tmp
        emptyDir:
          sizeLimit: 64Mi
{{- end -}}
