{{/* The chart's name, overridable. */}}
{{- define "tandem.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release-qualified prefix of every object's name. */}}
{{- define "tandem.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's object name: (dict "ctx" $ "component" "features"). */}}
{{- define "tandem.componentName" -}}
{{- printf "%s-%s" (include "tandem.fullname" .ctx) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of a component: stable across upgrades (a Deployment's selector is immutable). */}}
{{- define "tandem.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tandem.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The Kubernetes recommended labels of a component's objects. */}}
{{- define "tandem.labels" -}}
{{ include "tandem.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: tandem
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* image: (dict "ctx" $ "image" .Values.features.image "suffix" ""). */}}
{{- define "tandem.image" -}}
{{- $tag := .image.tag | default .ctx.Values.images.tag | default .ctx.Chart.AppVersion }}
{{- $repo := .image.repository }}
{{- if .ctx.Values.images.registry }}{{ $repo = printf "%s/%s" .ctx.Values.images.registry $repo }}{{ end }}
{{- printf "%s:%s%s" $repo $tag (.suffix | default "") }}
{{- end }}

{{/* The env name of a Settings key (schemas' Settings.envName): TANDEM_, upper case, dots and dashes as _. */}}
{{- define "tandem.envName" -}}
{{- printf "TANDEM_%s" (. | upper | replace "." "_" | replace "-" "_") }}
{{- end }}

{{/* env entries for a map of Settings keys. */}}
{{- define "tandem.settingsEnv" -}}
{{- range $k, $v := . }}
- name: {{ include "tandem.envName" $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end }}

{{/* The SASL password env var (referenced as $(KAFKA_SASL_PASSWORD) by the JAAS settings). */}}
{{- define "tandem.kafkaSecretEnv" -}}
{{- if .Values.kafka.sasl.enabled }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.sasl.passwordSecret }}
      key: {{ .Values.kafka.sasl.passwordKey }}
{{- end }}
{{- end }}

{{/* The HTTP API's bearer token (HttpSecurity's http.auth.token) from its Secret, when httpAuth.tokenSecret is set. */}}
{{- define "tandem.httpAuthEnv" -}}
{{- if .Values.httpAuth.tokenSecret }}
- name: {{ include "tandem.envName" "http.auth.token" }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.httpAuth.tokenSecret }}
      key: {{ .Values.httpAuth.tokenKey }}
{{- end }}
{{- end }}

{{/* Kafka client security settings, unprefixed; callers add their pass-through prefix (streams., kafka.). */}}
{{- define "tandem.kafkaClientSecurity" -}}
{{- $k := .Values.kafka }}
{{- if or $k.tls.enabled $k.sasl.enabled }}
security.protocol: {{ if and $k.tls.enabled $k.sasl.enabled }}SASL_SSL{{ else if $k.tls.enabled }}SSL{{ else }}SASL_PLAINTEXT{{ end }}
{{- end }}
{{- if $k.tls.enabled }}
ssl.truststore.type: PEM
ssl.truststore.location: /etc/tandem/kafka-ca/{{ $k.tls.caKey }}
{{- end }}
{{- if $k.sasl.enabled }}
sasl.mechanism: {{ $k.sasl.mechanism }}
sasl.jaas.config: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="{{ $k.sasl.username }}" password="$(KAFKA_SASL_PASSWORD)";'
{{- end }}
{{- end }}

{{/* env for the Kafka security settings under a Settings pass-through prefix: (dict "ctx" $ "prefix" "streams."). */}}
{{- define "tandem.kafkaSecurityEnv" -}}
{{- $sec := include "tandem.kafkaClientSecurity" .ctx | fromYaml }}
{{- $prefixed := dict }}
{{- range $k, $v := $sec }}{{ $_ := set $prefixed (printf "%s%s" $.prefix $k) $v }}{{ end }}
{{- include "tandem.settingsEnv" $prefixed }}
{{- end }}

{{/* The CA volume and mount when Kafka TLS is on. */}}
{{- define "tandem.kafkaCaVolume" -}}
{{- if .Values.kafka.tls.enabled }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret }}
{{- end }}
{{- end }}
{{- define "tandem.kafkaCaMount" -}}
{{- if .Values.kafka.tls.enabled }}
- name: kafka-ca
  mountPath: /etc/tandem/kafka-ca
  readOnly: true
{{- end }}
{{- end }}

{{/* Pod security context; (dict "ctx" $ "runAsUser" 9999) overrides the user, group and fsGroup. */}}
{{- define "tandem.podSecurityContext" -}}
{{- $sc := deepCopy .ctx.Values.podSecurityContext }}
{{- with .runAsUser }}
{{- $_ := set $sc "runAsUser" . }}
{{- $_ := set $sc "runAsGroup" . }}
{{- $_ := set $sc "fsGroup" . }}
{{- end }}
{{- toYaml $sc }}
{{- end }}

{{- define "tandem.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext }}
{{- end }}

{{/* The /tmp every JVM needs on a read-only root filesystem. */}}
{{- define "tandem.tmpVolume" -}}
- name: tmp
  emptyDir: {}
{{- end }}
{{- define "tandem.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/* The schema registry URL the apps use: the chart's registry Service when it deploys one, else schemaRegistry.url. */}}
{{- define "tandem.registryUrl" -}}
{{- if .Values.schemaRegistry.deploy }}
{{- printf "http://%s.%s.svc:8081" (include "tandem.componentName" (dict "ctx" $ "component" "registry")) .Release.Namespace }}
{{- else }}
{{- .Values.schemaRegistry.url }}
{{- end }}
{{- end }}

{{/* Fails rendering with a readable message when a Secret a switch needs is not named. */}}
{{- define "tandem.validate" -}}
{{- if and .Values.kafka.tls.enabled (not .Values.kafka.tls.caSecret) }}
{{- fail "kafka.tls.enabled needs kafka.tls.caSecret: the Secret holding the brokers' CA (PEM)" }}
{{- end }}
{{- if and .Values.kafka.sasl.enabled (or (not .Values.kafka.sasl.passwordSecret) (not .Values.kafka.sasl.username)) }}
{{- fail "kafka.sasl.enabled needs kafka.sasl.username and kafka.sasl.passwordSecret" }}
{{- end }}
{{- end }}

{{/* The store URL the recommendations API reads: serving.store, else the connector's store. */}}
{{- define "tandem.servingStore" -}}
{{- if .Values.serving.store }}
{{- .Values.serving.store }}
{{- else if eq .Values.connect.sink "redis" }}
{{- .Values.connect.redis.uri }}
{{- else }}
{{- printf "%s?user=%s" .Values.connect.jdbc.url .Values.connect.jdbc.user }}{{ if .Values.connect.jdbc.passwordSecret }}&password=$(STORE_PASSWORD){{ end }}
{{- end }}
{{- end }}

{{/* STORE_PASSWORD from the sink's Secret, when it names one. */}}
{{- define "tandem.storePasswordEnv" -}}
{{- $s := ternary .Values.connect.redis .Values.connect.jdbc (eq .Values.connect.sink "redis") }}
{{- if $s.passwordSecret }}
- name: STORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $s.passwordSecret }}
      key: {{ $s.passwordKey }}
{{- end }}
{{- end }}

{{/* The sink connector's config (both the Deployment's connector file and Strimzi's KafkaConnector). */}}
{{- define "tandem.connectorConfig" -}}
{{- $v := .Values.connect }}
{{- /* Strimzi's workers come with an environment config provider named strimzienv; ours is named env */}}
{{- $password := printf "${%s:STORE_PASSWORD}" (ternary "strimzienv" "env" .Values.strimzi.enabled) }}
{{- $cfg := dict
  "topics" "predictions"
  "key.converter" "org.apache.kafka.connect.storage.StringConverter"
  "value.converter" "dev.tandem.connect.avro.TandemAvroConverter"
  "value.converter.schema.registry.url" (include "tandem.registryUrl" .)
  "consumer.override.isolation.level" "read_committed"
  "objective" $v.objective
  "max.items" ($v.maxItems | toString)
  "errors.tolerance" "all"
  "errors.deadletterqueue.topic.name" "dead-letters-connect"
  "errors.deadletterqueue.context.headers.enable" "true"
  "errors.deadletterqueue.topic.replication.factor" (.Values.kafka.replicationFactor | toString)
}}
{{- if eq $v.sink "redis" }}
{{- $_ := set $cfg "redis.uri" $v.redis.uri }}
{{- $_ := set $cfg "redis.key.prefix" $v.redis.keyPrefix }}
{{- $_ := set $cfg "redis.ttl.seconds" ($v.redis.ttlSeconds | toString) }}
{{- if $v.redis.passwordSecret }}
{{- $_ := set $cfg "redis.password" $password }}
{{- end }}
{{- else }}
{{- $_ := set $cfg "connection.url" $v.jdbc.url }}
{{- $_ := set $cfg "connection.user" $v.jdbc.user }}
{{- $_ := set $cfg "table.latest" $v.jdbc.tableLatest }}
{{- if $v.jdbc.passwordSecret }}
{{- $_ := set $cfg "connection.password" $password }}
{{- end }}
{{- end }}
{{- toYaml (merge (deepCopy $v.connectorConfig) $cfg) }}
{{- end }}

{{- define "tandem.connectorClass" -}}
{{- if eq .Values.connect.sink "redis" }}dev.tandem.connect.redis.RedisSinkConnector{{ else }}dev.tandem.connect.jdbc.JdbcSinkConnector{{ end }}
{{- end }}

{{/* The platform's topics (TandemTopics): name, partitions, config. */}}
{{- define "tandem.topics" -}}
{{- $p := .Values.topics.partitions }}
{{- $r := .Values.topics.retentionHours }}
{{- $topics := list }}
{{- range $t := list "events" "scoring-requests" "predictions" "predictions-shadow" "prediction-outcomes" "dead-letters" }}
{{- $topics = append $topics (dict "name" $t "partitions" $p "config" (dict "cleanup.policy" "delete" "retention.ms" (mul (index $r $t) 3600000 | toString))) }}
{{- end }}
{{- range $t := list "items" "user-features" }}
{{- $topics = append $topics (dict "name" $t "partitions" $p "config" (dict "cleanup.policy" "compact")) }}
{{- end }}
{{- /* one partition: every scoring subtask reads every model command in the same order */}}
{{- range $t := list "model-control" "model-metrics" }}
{{- $topics = append $topics (dict "name" $t "partitions" 1 "config" (dict "cleanup.policy" "delete" "retention.ms" (mul (index $r $t) 3600000 | toString))) }}
{{- end }}
{{- toYaml (dict "topics" $topics) }}
{{- end }}

{{/* NetworkPolicy egress rules: DNS and Kafka (the registry needs no more). */}}
{{- define "tandem.egressDnsKafka" -}}
{{- $np := .Values.networkPolicy }}
- ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
- to:
    {{- toYaml $np.kafka.peers | nindent 4 }}
  ports:
    {{- range $np.kafka.ports }}
    - {protocol: TCP, port: {{ . }}}
    {{- end }}
{{- end }}

{{/* NetworkPolicy egress rules: DNS, Kafka and the registry (every app needs them); the chart's registry pod when
     it deploys one, else networkPolicy.schemaRegistry's peers. */}}
{{- define "tandem.egressKafka" -}}
{{- $np := .Values.networkPolicy }}
{{- include "tandem.egressDnsKafka" . }}
{{- if .Values.schemaRegistry.deploy }}
- to:
    - podSelector:
        matchLabels:
          {{- include "tandem.selectorLabels" (dict "ctx" $ "component" "registry") | nindent 10 }}
  ports:
    - {protocol: TCP, port: 8081}
{{- else }}
- to:
    {{- toYaml $np.schemaRegistry.peers | nindent 4 }}
  ports:
    {{- range $np.schemaRegistry.ports }}
    - {protocol: TCP, port: {{ . }}}
    {{- end }}
{{- end }}
{{- end }}

{{- define "tandem.egressStore" -}}
{{- $np := .Values.networkPolicy }}
- to:
    {{- toYaml $np.store.peers | nindent 4 }}
  ports:
    {{- range $np.store.ports }}
    - {protocol: TCP, port: {{ . }}}
    {{- end }}
{{- end }}

{{/* Ingress from Prometheus to a port. */}}
{{- define "tandem.ingressPrometheus" -}}
- from:
    {{- toYaml .ctx.Values.networkPolicy.prometheus.peers | nindent 4 }}
  ports:
    - {protocol: TCP, port: {{ .port }}}
{{- end }}
