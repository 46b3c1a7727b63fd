{{- define "boxoffice.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels of one component (gateway, worker, migrate): (list $ "gateway") */}}
{{- define "boxoffice.selectorLabels" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ $.Chart.Name }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "boxoffice.labels" -}}
{{ include "boxoffice.selectorLabels" . }}
{{- $ := index . 0 }}
app.kubernetes.io/version: {{ $.Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ $.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" $.Chart.Name $.Chart.Version }}
{{- end -}}

{{- define "boxoffice.image" -}}
{{- if or (not .Values.image.tag) (eq (toString .Values.image.tag) "latest") -}}
{{- fail "image.tag must name a release: not empty, not latest" -}}
{{- end -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{- define "boxoffice.secretEnv" -}}
{{- $ := index . 0 -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.secret.name }}
      key: {{ index . 2 }}
{{- end -}}

{{/* What every boxoffice container needs to reach Postgres and Temporal: (list $) */}}
{{- define "boxoffice.commonEnv" -}}
{{- $ := index . 0 -}}
{{ include "boxoffice.secretEnv" (list $ "DATABASE_URL" $.Values.secret.keys.databaseUrl) }}
- name: TEMPORAL_ADDRESS
  value: {{ $.Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ $.Values.temporal.namespace | quote }}
- name: BOXOFFICE_TASK_QUEUE
  value: {{ $.Values.temporal.taskQueue | quote }}
- name: BOXOFFICE_LOG_FORMAT
  value: {{ $.Values.logFormat | quote }}
{{- with $.Values.mail }}
{{- if .enabled }}
{{ include "boxoffice.secretEnv" (list $ "SMTP_URL" $.Values.secret.keys.smtpUrl) }}
- name: BOXOFFICE_MAIL_FROM
  value: {{ .from | quote }}
- name: BOXOFFICE_PUBLIC_URL
  value: {{ .publicUrl | quote }}
{{- else }}
- name: BOXOFFICE_MAIL
  value: "off"
{{- end }}
{{- end }}
{{- with $.Values.secret.keys.temporalApiKey }}
{{ include "boxoffice.secretEnv" (list $ "TEMPORAL_API_KEY" .) }}
{{- end }}
{{- with $.Values.temporal.tls }}
{{- if .enabled }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: {{ printf "%s/%s" .mountPath .certKey | quote }}
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: {{ printf "%s/%s" .mountPath .keyKey | quote }}
{{- if .caKey }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: {{ printf "%s/%s" .mountPath .caKey | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with $.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by every pod: (list $) */}}
{{- define "boxoffice.podSpec" -}}
{{- $ := index . 0 -}}
# The chart creates no ServiceAccount (the migration hook runs before any chart resource exists)
# and no pod talks to the Kubernetes API.
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  runAsUser: {{ $.Values.runAsUser }}
  runAsGroup: {{ $.Values.runAsUser }}
  # Makes the mounted TLS files readable to the user.
  fsGroup: {{ $.Values.runAsUser }}
  seccompProfile:
    type: RuntimeDefault
{{- with $.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "boxoffice.containerSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: ["ALL"]
{{- end -}}

{{/* Volumes for the container's /tmp (the root filesystem is read-only) and Temporal's TLS files. */}}
{{- define "boxoffice.volumes" -}}
volumes:
  - name: tmp
    emptyDir: {}
{{- if .Values.temporal.tls.enabled }}
  - name: temporal-tls
    secret:
      secretName: {{ required "temporal.tls.secretName is required when temporal.tls.enabled" .Values.temporal.tls.secretName }}
      defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "boxoffice.volumeMounts" -}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- if .Values.temporal.tls.enabled }}
  - name: temporal-tls
    mountPath: {{ .Values.temporal.tls.mountPath }}
    readOnly: true
{{- end }}
{{- end -}}
