/**
 * The custom resources of the operators the chart can hand work to, for which no
 * `@kubernetes-models/*` package exists: Strimzi (kafka.strimzi.io/v1), CloudNativePG
 * (postgresql.cnpg.io/v1) and the MinIO Operator (minio.min.io/v2).
 *
 * Each interface is transcribed from the operator's API reference and covers the fields the chart
 * may render, with their types and enums; kube-schema.ts checks rendered objects against them the
 * same way as against the generated models (unknown fields, types, required fields). A field the
 * chart starts to render must be added here from the reference, which is the review this file
 * exists to force. Types only: nothing here runs.
 */
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import type { IAffinity } from 'kubernetes-models/v1/Affinity';
import type { IPersistentVolumeClaimSpec } from 'kubernetes-models/v1/PersistentVolumeClaimSpec';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IToleration } from 'kubernetes-models/v1/Toleration';

type ConfigValue = string | number | boolean;

// Strimzi, API kafka.strimzi.io/v1 (Strimzi 0.49+ / 1.0): KRaft and node pools only.

interface StrimziListener {
  name: string;
  port: number;
  type: 'internal' | 'route' | 'loadbalancer' | 'nodeport' | 'ingress' | 'cluster-ip';
  tls: boolean;
  authentication?: { type: 'tls' | 'scram-sha-512' | 'oauth' | 'custom' };
}

export interface IStrimziKafka {
  apiVersion: 'kafka.strimzi.io/v1';
  kind: 'Kafka';
  metadata: ObjectMeta;
  spec: {
    kafka: {
      version?: string;
      metadataVersion?: string;
      listeners: StrimziListener[];
      config?: Record<string, ConfigValue>;
      rack?: { topologyKey: string };
    };
    entityOperator?: {
      topicOperator?: { watchedNamespace?: string; resources?: IResourceRequirements };
      userOperator?: { watchedNamespace?: string; resources?: IResourceRequirements };
    };
  };
}

interface StrimziVolume {
  id: number;
  type: 'persistent-claim' | 'ephemeral';
  size?: string;
  class?: string;
  deleteClaim?: boolean;
  kraftMetadata?: 'shared';
}

export interface IStrimziKafkaNodePool {
  apiVersion: 'kafka.strimzi.io/v1';
  kind: 'KafkaNodePool';
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    roles: ('controller' | 'broker')[];
    storage: { type: 'jbod'; volumes: StrimziVolume[] };
    resources?: IResourceRequirements;
  };
}

export interface IStrimziKafkaTopic {
  apiVersion: 'kafka.strimzi.io/v1';
  kind: 'KafkaTopic';
  metadata: ObjectMeta;
  spec: {
    topicName?: string;
    partitions?: number;
    replicas?: number;
    config?: Record<string, ConfigValue>;
  };
}

// CloudNativePG, API postgresql.cnpg.io/v1.

export interface ICnpgCluster {
  apiVersion: 'postgresql.cnpg.io/v1';
  kind: 'Cluster';
  metadata: ObjectMeta;
  spec: {
    instances: number;
    imageName?: string;
    primaryUpdateStrategy?: 'supervised' | 'unsupervised';
    enablePDB?: boolean;
    bootstrap?: { initdb?: { database?: string; owner?: string; secret?: { name: string } } };
    storage: { size?: string; storageClass?: string; resizeInUseVolumes?: boolean };
    postgresql?: { parameters?: Record<string, string> };
    resources?: IResourceRequirements;
    affinity?: {
      enablePodAntiAffinity?: boolean;
      topologyKey?: string;
      podAntiAffinityType?: 'preferred' | 'required';
    };
  };
}

// MinIO Operator, API minio.min.io/v2.

interface TenantPool {
  name?: string;
  servers: number;
  volumesPerServer: number;
  volumeClaimTemplate: { metadata?: ObjectMeta; spec: IPersistentVolumeClaimSpec };
  resources?: IResourceRequirements;
  securityContext?: IPodSecurityContext;
  containerSecurityContext?: ISecurityContext;
  affinity?: IAffinity;
  nodeSelector?: Record<string, string>;
  tolerations?: IToleration[];
}

export interface IMinioTenant {
  apiVersion: 'minio.min.io/v2';
  kind: 'Tenant';
  metadata: ObjectMeta;
  spec: {
    image?: string;
    imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
    configuration?: { name: string };
    requestAutoCert?: boolean;
    mountPath?: string;
    buckets?: { name: string; region?: string; objectLock?: boolean }[];
    users?: { name: string }[];
    features?: { bucketDNS?: boolean };
    pools: TenantPool[];
  };
}
