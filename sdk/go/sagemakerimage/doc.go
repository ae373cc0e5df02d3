// Reference Amazon SageMaker image versions from Pulumi programs: a read-only lookup of DescribeImageVersion with drift detection.
package sagemakerimage
